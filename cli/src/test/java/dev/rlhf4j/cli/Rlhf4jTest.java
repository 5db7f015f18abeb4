package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The command line's log: DJL's INFO lines are off unless --debug asks for DJL's log. */
class Rlhf4jTest {

    @Test
    void djlLogsOnlyWarningsByDefault() {
        Logger engine = LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine");
        assertFalse(engine.isInfoEnabled(), "\"PyTorch graph executor optimizer is enabled\" and the like");
        assertTrue(engine.isWarnEnabled());
        assertTrue(LoggerFactory.getLogger("dev.rlhf4j.rm.train.RewardTrainer").isInfoEnabled(), "rlhf4j's own log");
    }

    @Test
    void debugShowsDjlsLog() {
        try {
            CommandLine cl = Rlhf4j.commandLine();
            cl.setOut(new PrintWriter(new StringWriter()));
            assertEquals(0, cl.execute("data", "formats", "--debug"));
            // loggers take their level when created: DJL's classes load after the arguments are parsed
            Logger later = LoggerFactory.getLogger("ai.djl.engine.CreatedAfterTheArguments");
            assertTrue(later.isDebugEnabled());
        } finally {
            System.clearProperty(Rlhf4j.DJL_LOG_LEVEL);
        }
    }

    /** Every command and sub-command prints its usage for --help (and exits 0), as a user tries first. */
    @Test
    void everyCommandHasHelp() {
        CommandLine root = Rlhf4j.commandLine();
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        collect(root, new java.util.ArrayList<>(), paths);
        assertTrue(paths.size() > 20, paths.toString());
        for (java.util.List<String> path : paths) {
            CommandLine cl = Rlhf4j.commandLine();
            StringWriter out = new StringWriter();
            cl.setOut(new PrintWriter(out));
            java.util.List<String> args = new java.util.ArrayList<>(path);
            args.add("--help");
            assertEquals(0, cl.execute(args.toArray(String[]::new)), String.join(" ", args));
            assertTrue(out.toString().contains("Usage:"), String.join(" ", args) + ": " + out);
        }
    }

    private static void collect(CommandLine cl, java.util.List<String> path, java.util.List<java.util.List<String>> out) {
        out.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                java.util.List<String> next = new java.util.ArrayList<>(path);
                next.add(name);
                collect(sub, next, out);
            }
        });
    }
}
