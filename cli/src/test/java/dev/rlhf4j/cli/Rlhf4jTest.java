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
}
