package imagejobs.local.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * {@code ./run-local --data DIR}: where the emulators keep their state across restarts: {@code dynamodb/} (DynamoDB
 * Local's SQLite file: tables, indexes, items), {@code sqs/} (ElasticMQ's H2 database: queues and their messages) and
 * {@code s3/} (one directory per bucket, one file per object, metadata in extended file attributes). Held under a lock
 * while a stack runs, so a second stack cannot open the same directory.
 */
public final class DataDirectory implements AutoCloseable {
    private static final String LOCK_FILE = ".lock";

    private final Path root;
    private final boolean fresh;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path root, boolean fresh, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.fresh = fresh;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory if needed and locks it; fails if another stack holds it. */
    public static DataDirectory open(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(root) && !Files.isDirectory(root)) {
                throw new IllegalArgumentException("--data " + dir + " is not a directory");
            }
            Files.createDirectories(root);
            boolean fresh;
            try (Stream<Path> entries = Files.list(root)) {
                fresh = entries.noneMatch(p -> !p.getFileName().toString().equals(LOCK_FILE));
            }
            FileChannel channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("--data " + root + " is in use by another local stack; stop it first "
                        + "or choose another directory");
            }
            for (Path sub : new Path[] {root.resolve("dynamodb"), root.resolve("sqs"), root.resolve("s3")}) {
                Files.createDirectories(sub);
            }
            return new DataDirectory(root, fresh, channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + root + " cannot be used: " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** True when the directory was empty before this start (nothing to restore). */
    public boolean fresh() {
        return fresh;
    }

    public Path dynamoDb() {
        return root.resolve("dynamodb");
    }

    public Path sqs() {
        return root.resolve("sqs");
    }

    public Path s3() {
        return root.resolve("s3");
    }

    /** Releases the lock; call after every emulator has stopped and written its last state. */
    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            System.err.println("could not release the lock on " + root + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
