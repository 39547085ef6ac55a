package imagejobs.local.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.Deadline;
import imagejobs.local.fixtures.StreamRecordingHandler;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.FunctionDefinition.DynamoDbEventSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * What DynamoDB Local does not do on demand, on a scripted stream: a shard that closes hands over to its child (read
 * from its first record, after the parent's last), an expired iterator loses and repeats nothing, and a batch that
 * keeps failing is skipped after MaximumRetryAttempts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DynamoDbStreamPollerShardsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/Items/stream/2026-12-04T00:00:00.000";
    private final ScriptedStream stream = new ScriptedStream();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private DynamoDbStreamPoller poller(int maximumRetryAttempts) {
        FunctionDefinition definition = new FunctionDefinition("ShardsFunction",
                "imagejobs.local.fixtures.StreamRecordingHandler::handleRequest", Path.of("unused.jar"), Map.of(), 5,
                256, List.of(), List.of(), List.of());
        LocalFunction function = new LocalFunction(definition,
                FunctionCode.classLoader(DynamoDbStreamPollerShardsTest.class.getClassLoader()), Map::of, 2,
                "us-east-1", "000000000000", quiet());
        DynamoDbEventSource source = new DynamoDbEventSource("Changes", "ItemsTable", "Items", 10, "TRIM_HORIZON", 0,
                true, maximumRetryAttempts);
        DynamoDbStreamPoller poller = new DynamoDbStreamPoller(source, function, new TableWithStream(), stream,
                "us-east-1", "000000000000", Duration.ofMillis(20), quiet());
        toClose.add(function);
        toClose.add(poller);
        return poller;
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    /** The ids of the items whose records reached the handler, in order, among those this test wrote. */
    private static List<String> delivered(String prefix) {
        return StreamRecordingHandler.EVENTS.stream().flatMap(e -> e.getRecords().stream())
                .map(r -> r.getDynamodb().getKeys().get("id").getS()).filter(id -> id.startsWith(prefix)).toList();
    }

    @Test
    void aClosedShardsChildIsReadFromItsStartAfterTheParent() {
        String p = "child-" + UUID.randomUUID() + "-";
        stream.openShard("shard-1", null);
        stream.write("shard-1", p + "old", "ok"); // before the start: not delivered (LATEST)
        poller(-1).start();
        stream.write("shard-1", p + "a", "ok");
        stream.write("shard-1", p + "b", "ok");
        stream.openShard("shard-2", "shard-1");
        stream.write("shard-2", p + "c", "ok");
        int described = stream.describeCalls.get();
        Deadline.await(WAIT, "the poller to see the child shard", () -> stream.describeCalls.get() >= described + 2);
        stream.write("shard-1", p + "b2", "ok"); // the parent is still open: its records come first
        stream.close("shard-1");
        stream.write("shard-2", p + "d", "ok");
        Deadline.await(WAIT, "five records", () -> delivered(p).size() >= 5);
        assertEquals(List.of(p + "a", p + "b", p + "b2", p + "c", p + "d"), delivered(p));
        assertTrue(stream.childReadAfterParentEnded, "the child shard was read only once its parent had ended");
    }

    @Test
    void anExpiredIteratorLosesAndRepeatsNothing() {
        String p = "expired-" + UUID.randomUUID() + "-";
        stream.openShard("shard-1", null);
        poller(-1).start();
        stream.write("shard-1", p + "a", "ok");
        Deadline.await(WAIT, "the first record", () -> delivered(p).size() >= 1);
        stream.expireNextRead.set(1);
        stream.write("shard-1", p + "b", "ok");
        Deadline.await(WAIT, "the second record", () -> delivered(p).size() >= 2);
        stream.write("shard-1", p + "c", "ok");
        Deadline.await(WAIT, "the third record", () -> delivered(p).size() >= 3);
        assertEquals(List.of(p + "a", p + "b", p + "c"), delivered(p));
        assertEquals(0, stream.expireNextRead.get(), "an iterator did expire");
    }

    @Test
    void aBatchThatKeepsFailingIsSkippedAfterMaximumRetryAttempts() {
        String p = "retries-" + UUID.randomUUID() + "-";
        stream.openShard("shard-1", null);
        poller(1).start();
        stream.write("shard-1", p + "poison", "boom-always");
        Deadline.await(WAIT, "the poison record twice", () -> delivered(p).size() >= 2);
        stream.write("shard-1", p + "next", "ok");
        Deadline.await(WAIT, "the record after it", () -> delivered(p).contains(p + "next"));
        assertEquals(List.of(p + "poison", p + "poison", p + "next"), delivered(p),
                "first attempt, one retry (MaximumRetryAttempts 1), then the stream moves on");
    }

    /** DescribeTable of a table whose stream is {@link #ARN}. */
    private static final class TableWithStream implements DynamoDbClient {
        @Override
        public DescribeTableResponse describeTable(DescribeTableRequest request) {
            return DescribeTableResponse.builder().table(t -> t.tableName(request.tableName()).latestStreamArn(ARN))
                    .build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }

    /** A stream whose shards, records and closings the test writes; iterators are "shard:position". */
    private static final class ScriptedStream implements DynamoDbStreamsClient {
        private final Map<String, List<Record>> records = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<Shard> shards = new CopyOnWriteArrayList<>();
        private final AtomicInteger sequence = new AtomicInteger(100);
        final AtomicInteger expireNextRead = new AtomicInteger();
        final AtomicInteger describeCalls = new AtomicInteger();
        volatile boolean childReadAfterParentEnded = true;
        private volatile boolean parentEnded;

        synchronized void openShard(String id, String parent) {
            records.put(id, new CopyOnWriteArrayList<>());
            shards.add(Shard.builder().shardId(id).parentShardId(parent)
                    .sequenceNumberRange(r -> r.startingSequenceNumber("0")).build());
        }

        synchronized void close(String id) {
            shards.replaceAll(s -> s.shardId().equals(id) ? s.toBuilder()
                    .sequenceNumberRange(r -> r.startingSequenceNumber("0").endingSequenceNumber("999")).build() : s);
        }

        private boolean closed(String id) {
            return shards.stream().anyMatch(s -> s.shardId().equals(id)
                    && s.sequenceNumberRange().endingSequenceNumber() != null);
        }

        void write(String shard, String id, String mode) {
            Map<String, AttributeValue> image = Map.of("id", AttributeValue.fromS(id), "mode", AttributeValue.fromS(mode));
            records.get(shard).add(Record.builder().eventID(id).eventName(OperationType.INSERT)
                    .dynamodb(StreamRecord.builder().keys(Map.of("id", AttributeValue.fromS(id))).newImage(image)
                            .sequenceNumber(String.format("%021d", sequence.incrementAndGet())).sizeBytes(10L)
                            .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                    .build());
        }

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
            describeCalls.incrementAndGet();
            return DescribeStreamResponse.builder().streamDescription(d -> d.streamArn(request.streamArn())
                    .shards(List.copyOf(shards))).build();
        }

        @Override
        public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
            List<Record> shard = records.get(request.shardId());
            int position = switch (request.shardIteratorType()) {
                case TRIM_HORIZON -> 0;
                case LATEST -> shard.size();
                case AT_SEQUENCE_NUMBER -> indexOf(shard, request.sequenceNumber());
                case AFTER_SEQUENCE_NUMBER -> indexOf(shard, request.sequenceNumber()) + 1;
                default -> throw new IllegalArgumentException(request.shardIteratorTypeAsString());
            };
            return GetShardIteratorResponse.builder().shardIterator(request.shardId() + ":" + position).build();
        }

        private static int indexOf(List<Record> shard, String sequenceNumber) {
            for (int i = 0; i < shard.size(); i++) {
                if (shard.get(i).dynamodb().sequenceNumber().equals(sequenceNumber)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no record " + sequenceNumber);
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest request) {
            String[] parts = request.shardIterator().split(":");
            String shardId = parts[0];
            int position = Integer.parseInt(parts[1]);
            List<Record> shard = records.get(shardId);
            if (!shard.isEmpty() && position < shard.size() && expireNextRead.compareAndSet(1, 0)) {
                throw ExpiredIteratorException.builder().message("Iterator expired").build();
            }
            Shard described = shards.stream().filter(s -> s.shardId().equals(shardId)).findFirst().orElseThrow();
            if (described.parentShardId() != null && !parentEnded) {
                childReadAfterParentEnded = false;
            }
            boolean closed = closed(shardId);
            int end = Math.min(shard.size(), position + request.limit());
            List<Record> page = List.copyOf(shard.subList(position, end));
            boolean ended = closed && end == shard.size();
            if (ended && described.parentShardId() == null) {
                parentEnded = true;
            }
            return GetRecordsResponse.builder().records(page)
                    .nextShardIterator(ended ? null : shardId + ":" + end).build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }
}
