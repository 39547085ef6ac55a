package imagejobs.local.streams;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.sqs.BatchOutcome;
import imagejobs.local.template.FunctionDefinition.DynamoDbEventSource;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Lambda's DynamoDB event source mapping for one event source, on DynamoDB Local's stream: one reader per shard
 * (ParallelizationFactor 1, so a key's records reach the function in order), each reading up to BatchSize records
 * (every {@code idlePoll} while there are none, gathering for MaximumBatchingWindowInSeconds when set), invoking the
 * function with the DynamoDB event, and moving on only once the batch succeeded. A function error retries the whole
 * batch; with ReportBatchItemFailures the reported record with the lowest sequence number is the checkpoint and
 * reading resumes there (AT_SEQUENCE_NUMBER), after a backoff that doubles up to {@link #MAX_BACKOFF}. Past
 * MaximumRetryAttempts (when not -1) the batch is skipped with a log line (there is no OnFailure destination locally).
 *
 * <p>Readers start at the end of each open shard whatever the template's StartingPosition (LATEST, in effect): every
 * write of a local run happens while the stack runs, and TRIM_HORIZON would replay a --data directory's old records
 * after a restart. Shards that appear later (a closed shard's children, a stream's first shard) are read from their
 * start, once their parent has been read to its end. No event filtering: the function decides what a change means.
 *
 * <p>DynamoDB Local 2.6.1 numbers stream records across all tables, and an iterator taken on an empty shard (LATEST or
 * TRIM_HORIZON, or the next iterator of an empty read) fails with TrimmedDataAccessException once another table has
 * been written to before this shard's first record (checked with a probe: two tables, a write to each). So the end of
 * a shard is never found with LATEST: the reader reads what the shard holds at start without invoking the function
 * and goes on after its last record; a shard still empty is read with a fresh TRIM_HORIZON iterator at each poll
 * until its first record arrives. After that, iterators sit behind a real record and work.
 */
public final class DynamoDbStreamPoller implements AutoCloseable {
    public static final Duration IDLE_POLL = Duration.ofMillis(200);
    public static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** GetRecords' maximum per call. */
    private static final int GET_RECORDS_MAX = 1000;
    /** How often new shards are looked for, in idle polls. */
    private static final int DISCOVERY_EVERY = 5;

    private final DynamoDbEventSource source;
    private final LocalFunction function;
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient streams;
    private final String region;
    private final String accountId;
    private final Duration idlePoll;
    private final PrintStream log;
    private final String label;
    private final Object shardsLock = new Object();
    /** Shard id → its reader; shards known at start but closed map to null (never read). */
    private final Map<String, Thread> readers = new LinkedHashMap<>();
    private final Set<String> finished = new HashSet<>();
    private Thread discovery;
    private volatile String streamArn;
    private volatile StreamEventBuilder events;
    private volatile boolean running;

    public DynamoDbStreamPoller(DynamoDbEventSource source, LocalFunction function, DynamoDbClient dynamoDb,
                                DynamoDbStreamsClient streams, String region, String accountId, Duration idlePoll,
                                PrintStream log) {
        this.source = source;
        this.function = function;
        this.dynamoDb = dynamoDb;
        this.streams = streams;
        this.region = region;
        this.accountId = accountId;
        this.idlePoll = idlePoll;
        this.log = log;
        this.label = "[stream " + source.tableName() + " -> " + function.name() + "/" + source.eventId() + "] ";
    }

    public DynamoDbEventSource source() {
        return source;
    }

    public LocalFunction function() {
        return function;
    }

    /** The stream's ARN as the events name it (DynamoDB Local's stream, the stack's region and account). */
    public String streamArn() {
        return events == null ? null : events.streamArn();
    }

    /**
     * Finds the table's stream and positions a reader at the latest record of each open shard before returning, so
     * every write made after {@code start()} reaches the function.
     */
    public synchronized void start() {
        if (running) {
            return;
        }
        String arn = dynamoDb.describeTable(r -> r.tableName(source.tableName())).table().latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("table " + source.tableName() + " has no stream for "
                    + function.name() + "." + source.eventId());
        }
        streamArn = arn;
        events = new StreamEventBuilder(StreamEventBuilder.stackArn(arn, region, accountId), region);
        running = true;
        synchronized (shardsLock) {
            for (Shard shard : shards()) {
                if (shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                    readers.put(shard.shardId(), null); // closed before the start: its records are old
                    finished.add(shard.shardId());
                } else {
                    startReader(shard.shardId(), endOf(shard.shardId()));
                }
            }
        }
        discovery = new Thread(this::discoveryLoop, "stream-" + function.name() + "-" + source.eventId() + "-shards");
        discovery.setDaemon(true);
        discovery.start();
    }

    private List<Shard> shards() {
        List<Shard> out = new ArrayList<>();
        String after = null;
        do {
            String from = after;
            StreamDescription d = streams.describeStream(r -> r.streamArn(streamArn).exclusiveStartShardId(from))
                    .streamDescription();
            out.addAll(d.shards());
            after = d.lastEvaluatedShardId();
        } while (after != null);
        return out;
    }

    private void discoveryLoop() {
        while (running) {
            pause(idlePoll.multipliedBy(DISCOVERY_EVERY));
            try {
                discover();
            } catch (RuntimeException e) {
                if (running) {
                    log.println(label + "looking for new shards: " + e.getMessage());
                }
            }
        }
    }

    /** Starts a reader, from the shard's first record, for each new shard whose parent is unknown or read to its end. */
    private void discover() {
        if (!running) {
            return;
        }
        List<Shard> shards = shards();
        synchronized (shardsLock) {
            for (Shard shard : shards) {
                String parent = shard.parentShardId();
                boolean parentPending = parent != null && readers.containsKey(parent) && !finished.contains(parent);
                if (!readers.containsKey(shard.shardId()) && !parentPending && running) {
                    startReader(shard.shardId(), FROM_START);
                }
            }
        }
    }

    /**
     * Where a reader of an open shard starts so that it sees only what is written from now on: after the shard's last
     * record (read through, not delivered), or the shard's start while it holds none.
     */
    private Position endOf(String shardId) {
        String iterator = iterator(shardId, ShardIteratorType.TRIM_HORIZON, null);
        String last = null;
        while (iterator != null) {
            String at = iterator;
            GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(at).limit(GET_RECORDS_MAX));
            if (page.records().isEmpty()) {
                break;
            }
            last = page.records().get(page.records().size() - 1).dynamodb().sequenceNumber();
            iterator = page.nextShardIterator();
        }
        return last == null ? FROM_START : new Position(ShardIteratorType.AFTER_SEQUENCE_NUMBER, last);
    }

    private void startReader(String shardId, Position from) {
        Thread t = new Thread(() -> readShard(shardId, from),
                "stream-" + function.name() + "-" + source.eventId() + "-" + shardId);
        t.setDaemon(true);
        readers.put(shardId, t);
        t.start();
    }

    private String iterator(String shardId, ShardIteratorType type, String sequenceNumber) {
        return streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shardId).shardIteratorType(type)
                .sequenceNumber(sequenceNumber)).shardIterator();
    }

    /** Where a reader goes on from when it needs a new iterator (at start, after an error or an expired iterator). */
    private record Position(ShardIteratorType type, String sequenceNumber) {
    }

    private static final Position FROM_START = new Position(ShardIteratorType.TRIM_HORIZON, null);

    private void readShard(String shardId, Position from) {
        String iterator = null;
        Position resume = from;
        int failures = 0;
        while (running) {
            try {
                if (iterator == null) {
                    iterator = iterator(shardId, resume.type(), resume.sequenceNumber());
                }
                String at = iterator;
                GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(at)
                        .limit(Math.min(GET_RECORDS_MAX, source.batchSize())));
                List<Record> batch = new ArrayList<>(page.records());
                String next = page.nextShardIterator();
                if (!batch.isEmpty() && source.maximumBatchingWindowSeconds() > 0) {
                    next = gather(batch, next);
                }
                if (batch.isEmpty()) {
                    if (next == null) {
                        break; // the shard is closed and read to its end
                    }
                    // No record read yet: the next iterator of an empty shard breaks (see the class comment), so
                    // ask again from the start.
                    iterator = resume == FROM_START ? null : next;
                    pause(idlePoll);
                    continue;
                }
                String retryFrom = deliver(batch);
                if (retryFrom != null) {
                    failures++;
                    if (source.maximumRetryAttempts() < 0 || failures <= source.maximumRetryAttempts()) {
                        pause(backoff(failures));
                        // Records before the checkpoint succeeded; reading resumes at it.
                        resume = new Position(ShardIteratorType.AT_SEQUENCE_NUMBER, retryFrom);
                        iterator = null;
                        continue;
                    }
                    log.println(label + "gave up on a batch of " + batch.size() + " records after "
                            + source.maximumRetryAttempts() + " retries (MaximumRetryAttempts); skipping it");
                }
                failures = 0;
                resume = new Position(ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                        batch.get(batch.size() - 1).dynamodb().sequenceNumber());
                if (next == null) {
                    break;
                }
                iterator = next;
            } catch (ExpiredIteratorException e) {
                iterator = null; // positioned again from the last record processed
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                log.println(label + e.getMessage());
                iterator = null;
                pause(MAX_BACKOFF);
            }
        }
        if (running) {
            synchronized (shardsLock) {
                finished.add(shardId);
            }
            try {
                discover(); // this shard's children, at once
            } catch (RuntimeException e) {
                log.println(label + "looking for new shards: " + e.getMessage());
            }
        }
    }

    /** Reads more records into {@code batch} until it is full, the window ends or the shard does; the next iterator. */
    private String gather(List<Record> batch, String next) {
        long windowEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(source.maximumBatchingWindowSeconds());
        while (running && next != null && batch.size() < source.batchSize() && System.nanoTime() < windowEnds) {
            pause(idlePoll);
            String at = next;
            int room = Math.min(GET_RECORDS_MAX, source.batchSize() - batch.size());
            GetRecordsResponse more = streams.getRecords(r -> r.shardIterator(at).limit(room));
            batch.addAll(more.records());
            next = more.nextShardIterator();
        }
        return next;
    }

    /** Invokes the function with the batch; null when every record succeeded, else the sequence number to resume at. */
    private String deliver(List<Record> batch) {
        InvocationResult result = function.invokeWithResult(Json.write(events.build(batch)));
        List<String> sequenceNumbers = sequenceNumbers(batch);
        BatchOutcome outcome = BatchOutcome.decide(result, sequenceNumbers, source.reportBatchItemFailures());
        if (outcome.failedMessageIds().isEmpty()) {
            return null;
        }
        // Within a shard, batch order is sequence-number order: the first failed record is the lowest.
        String from = sequenceNumbers.stream().filter(outcome.failedMessageIds()::contains).findFirst().orElseThrow();
        log.println(label + outcome.failedMessageIds().size() + " of " + batch.size() + " records failed ("
                + outcome.reason() + "); reading again from record " + (sequenceNumbers.indexOf(from) + 1));
        return from;
    }

    private static List<String> sequenceNumbers(List<Record> batch) {
        return batch.stream().map(r -> r.dynamodb().sequenceNumber()).toList();
    }

    private static Duration backoff(int failures) {
        Duration wait = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 10));
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    private void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Whether any reader or the shard discovery still runs (false once {@link #close()} returned). */
    public boolean alive() {
        synchronized (shardsLock) {
            return (discovery != null && discovery.isAlive())
                    || readers.values().stream().anyMatch(t -> t != null && t.isAlive());
        }
    }

    /** Stops reading; waits (bounded) for a batch being delivered to end, then interrupts. */
    @Override
    public synchronized void close() {
        running = false;
        List<Thread> threads = new ArrayList<>();
        synchronized (shardsLock) {
            readers.values().stream().filter(t -> t != null).forEach(threads::add);
        }
        if (discovery != null) {
            threads.add(discovery);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(function.definition().timeoutSeconds() + 3L);
        for (Thread t : threads) {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                t.join(Math.max(1, remaining));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                t.interrupt();
            }
        }
    }
}
