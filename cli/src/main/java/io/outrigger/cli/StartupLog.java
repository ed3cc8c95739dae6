package io.outrigger.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Marker;

/**
 * The CLI's log policy, in one place (docs/cli.md, "Logs"): WARN and ERROR go to stderr at once;
 * INFO and DEBUG are held until the command is serving, which a server says by logging its start
 * with the {@value #READY} marker (the control plane, the webhook). Then the held lines are
 * written, in order, and later ones pass straight through: a server's log tells its whole start. A
 * command that fails before that, or never serves (a one-shot command), writes none of them, so its
 * user sees the error line alone. With {@code OUTRIGGER_LOG_LEVEL} set, the user asked for logs:
 * nothing is held.
 */
public final class StartupLog extends AppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  /** The marker name of the event that says "serving now". */
  public static final String READY = "READY";

  /** Enough for any start; a start that logs more keeps its first lines. */
  static final int MAX_HELD = 1000;

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final List<ILoggingEvent> held = new ArrayList<>();
  private boolean ready = System.getenv("OUTRIGGER_LOG_LEVEL") != null;

  @Override
  protected synchronized void append(ILoggingEvent event) {
    if (!ready && isReady(event)) {
      ready = true;
      held.forEach(appenders::appendLoopOnAppenders);
      held.clear();
    }
    if (ready || event.getLevel().isGreaterOrEqual(Level.WARN)) {
      appenders.appendLoopOnAppenders(event);
    } else if (held.size() < MAX_HELD) {
      event.prepareForDeferredProcessing();
      held.add(event);
    }
  }

  private static boolean isReady(ILoggingEvent event) {
    List<Marker> markers = event.getMarkerList();
    return markers != null && markers.stream().anyMatch(m -> m.getName().equals(READY));
  }

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }
}
