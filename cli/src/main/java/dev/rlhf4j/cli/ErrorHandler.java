package dev.rlhf4j.cli;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.io.RefusedException;
import dev.rlhf4j.core.train.TrainingStoppedException;
import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.io.InputException;
import dev.rlhf4j.data.record.InvalidRecordException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * One handler for the errors of every command: each is printed as {@code rlhf4j <command>:
 * <message>} on standard error, one line per error, and mapped to an exit code. The stack trace is
 * printed only with {@code --debug} (or {@code RLHF4J_DEBUG=1}).
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><td>{@value #OK}</td><td>done</td></tr>
 *   <tr><td>{@value #FAILED}</td><td>a run failed: a file that is missing or malformed (data, model,
 *       checkpoint), a bad record, training that stopped (diverged, exploded), out of memory</td></tr>
 *   <tr><td>{@value #USAGE}</td><td>bad usage or config: an unknown option or key, a value of the
 *       wrong type or out of range</td></tr>
 *   <tr><td>{@value #INTERNAL}</td><td>an internal error, a bug in rlhf4j (NullPointerException,
 *       IllegalStateException, ...): the line says so, {@code --debug} gives the trace to report</td></tr>
 * </table>
 *
 * <p>User errors are the exceptions whose message is written for the user: {@link ConfigException}
 * and picocli's {@link ParameterException} (exit 2); {@link IllegalArgumentException}, {@link
 * IOException} and {@link UncheckedIOException} (the message names the file), the preference-data
 * exceptions, {@link TrainingStoppedException}, {@link RefusedException} (someone else's directory, a
 * held lock) and {@link OutOfMemoryError} (exit 1). Anything else
 * is a bug.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler,
        CommandLine.IExitCodeExceptionMapper {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    /** EX_SOFTWARE of BSD's sysexits.h: an internal software error. */
    static final int INTERNAL = 70;

    static final String DEBUG_OPTION = "--debug";
    static final String DEBUG_ENV = "RLHF4J_DEBUG";

    /** The exit codes as {@code rlhf4j --help} lists them. */
    static Map<String, String> exitCodeList() {
        Map<String, String> list = new LinkedHashMap<>();
        list.put(code(OK), "done");
        list.put(code(FAILED), "a run failed: a missing or malformed file (data, model, checkpoint), a bad record,"
                + " training that stopped, out of memory");
        list.put(code(USAGE), "bad usage or config: an unknown option or key, a wrong or out-of-range value");
        list.put(code(INTERNAL), "an internal error (a bug): run with " + DEBUG_OPTION + " and report the stack trace");
        return list;
    }

    private static String code(int code) {
        return String.format("%2d", code);
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        Throwable error = ex instanceof CommandLine.ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
        int code = getExitCode(error);
        boolean debug = debug(parseResult);
        String message = code != INTERNAL ? message(error) : "internal error: " + firstLine(error.toString())
                + (debug ? "" : " (run with " + DEBUG_OPTION + " for the stack trace)");
        PrintWriter err = commandLine.getErr();
        String prefix = commandLine.getCommandSpec().qualifiedName() + ": ";
        message.lines().forEach(line -> err.println(prefix + line));
        if (debug) {
            error.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine commandLine = ex.getCommandLine();
        String line = ex.getMessage();
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + line);
        err.flush();
        return USAGE;
    }

    @Override
    public int getExitCode(Throwable error) {
        if (error instanceof ParameterException || error instanceof ConfigException) {
            return USAGE;
        }
        if (error instanceof IllegalArgumentException || error instanceof IOException
                || error instanceof UncheckedIOException || error instanceof ImportException
                || error instanceof InputException || error instanceof InvalidRecordException
                || error instanceof TrainingStoppedException || error instanceof RefusedException
                || error instanceof OutOfMemoryError) {
            return FAILED;
        }
        return INTERNAL;
    }

    /** Whether {@code --debug} was given to any command of the line, or {@code RLHF4J_DEBUG=1} is set. */
    static boolean debug(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(DEBUG_OPTION)) {
                return true;
            }
        }
        return "1".equals(System.getenv(DEBUG_ENV));
    }

    /** The user's message of {@code error}: its own, with what a bare file-system exception leaves out. */
    static String message(Throwable error) {
        Throwable cause = error.getCause();
        if (error instanceof UncheckedIOException && cause != null
                && (error.getMessage() == null || error.getMessage().equals(cause.toString())
                        || error.getMessage().equals(cause.getMessage()))) {
            return message(cause);
        }
        if (error instanceof FileSystemException f && f.getReason() == null) {
            return f.getMessage() + ": " + (f instanceof NoSuchFileException ? "no such file or directory"
                    : f instanceof AccessDeniedException ? "permission denied"
                    : f instanceof FileAlreadyExistsException ? "already exists"
                    : f instanceof NotDirectoryException ? "not a directory"
                    : f instanceof DirectoryNotEmptyException ? "directory not empty"
                    : f.getClass().getSimpleName());
        }
        if (error instanceof OutOfMemoryError) {
            return "out of memory (" + error.getMessage() + "): lower the batch size or the sequence length, or give"
                    + " Java more heap (RLHF4J_JAVA_OPTS=-Xmx16g with the rlhf4j launcher)";
        }
        return error.getMessage() == null || error.getMessage().isBlank() ? error.toString() : error.getMessage();
    }

    private static String firstLine(String text) {
        int eol = text.indexOf('\n');
        return eol < 0 ? text : text.substring(0, eol).stripTrailing() + " ...";
    }
}
