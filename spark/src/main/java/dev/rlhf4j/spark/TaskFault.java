package dev.rlhf4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * A test's way to make one task fail once, after handing over half its rows: Spark must then drop
 * that attempt's rows and run the task again. The marker file records that it has failed.
 *
 * @param marker a file that does not exist until the task has failed
 * @param task the task to fail (a job's own numbering: an input file, a range of batches)
 */
record TaskFault(String marker, int task) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Task {@code task}'s rows, or, for the faulty task's first attempt, half of them and then a failure. */
    static <T> Iterator<T> rows(TaskFault fault, int task, List<T> rows) {
        if (fault == null || fault.task != task) {
            return rows.iterator();
        }
        try {
            Files.createFile(Path.of(fault.marker));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return rows.iterator(); // failed once already
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Iterator<T> it = rows.iterator();
        int stop = rows.size() / 2;
        return new Iterator<>() {
            int given;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public T next() {
                if (given++ == stop || !it.hasNext()) {
                    throw new IllegalStateException("injected task failure (test)");
                }
                return it.next();
            }
        };
    }
}
