package io.outrigger.cli;

import io.outrigger.injector.yaml.ParserMessages;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * The one-line text of a failure: the exception's message, then each cause's message when it adds
 * something. Commands name the object ("manifest app.yaml: cannot read") and attach the cause; this
 * appends the reason ("no such file or directory"), so no command has to spell it out.
 */
final class ErrorLine {

  private ErrorLine() {}

  static String of(Throwable e) {
    StringBuilder line = new StringBuilder(describe(e));
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.add(e);
    for (Throwable cause = e.getCause();
        cause != null && seen.add(cause);
        cause = cause.getCause()) {
      // Only an I/O cause adds what the message cannot know (the OS's reason); a parser's cause
      // under
      // "'banana' is not major.minor" would only restate it.
      if (!(cause instanceof IOException)) {
        continue;
      }
      String text = line.toString();
      String more =
          cause instanceof FileSystemException fse
                  && fse.getFile() != null
                  && text.contains(fse.getFile())
              ? reason(fse)
              : describe(cause);
      if (saysAlready(text, more)) {
        break; // what caused a reason the line gives is detail (the --stacktrace shows it)
      }
      line.append(": ").append(more);
    }
    return line.toString();
  }

  /**
   * Whether the line already gives a cause's reason: its text, or the OS's reason the line ends
   * with (a transport says "bind(..) failed with error(-98): Address already in use" where a
   * command said "cannot listen on 127.0.0.1:15012: address already in use").
   */
  private static boolean saysAlready(String line, String cause) {
    String reason = cause.substring(cause.lastIndexOf(": ") + 1).strip();
    return line.contains(cause)
        || line.toLowerCase(Locale.ROOT).endsWith(reason.toLowerCase(Locale.ROOT));
  }

  /** A message as one line: {@link ParserMessages#oneLine}. */
  static String oneLine(String message) {
    return ParserMessages.oneLine(message);
  }

  private static String describe(Throwable e) {
    if (e instanceof FileSystemException fse && fse.getFile() != null) {
      return fse.getFile()
          + (fse.getOtherFile() == null ? "" : " -> " + fse.getOtherFile())
          + ": "
          + reason(fse);
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : oneLine(message);
  }

  /** The JDK leaves the reason of the common cases to the exception's type. */
  private static String reason(FileSystemException e) {
    if (e.getReason() != null) {
      return e.getReason();
    }
    return switch (e) {
      case NoSuchFileException x -> "no such file or directory";
      case AccessDeniedException x -> "permission denied";
      case FileAlreadyExistsException x -> "already exists";
      case NotDirectoryException x -> "not a directory";
      case DirectoryNotEmptyException x -> "directory not empty";
      default -> e.getClass().getSimpleName();
    };
  }
}
