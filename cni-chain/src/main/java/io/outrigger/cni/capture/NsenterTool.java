package io.outrigger.cni.capture;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the tool as {@code nsenter --net=NETNS TOOL ARGS...}, started by the JDK. */
public final class NsenterTool implements NetnsTool {
  private final CommandRunner runner;

  public NsenterTool(CommandRunner runner) {
    this.runner = runner;
  }

  @Override
  public CommandRunner.Result run(Path netns, List<String> command, String stdin) {
    List<String> line = new ArrayList<>();
    line.add(CommandRunner.resolve("nsenter"));
    line.add("--net=" + netns);
    line.add(CommandRunner.resolve(command.get(0)));
    line.addAll(command.subList(1, command.size()));
    return runner.run(line, stdin);
  }
}
