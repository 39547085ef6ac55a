package imagejobs.adapters.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An SdkHttpClient answering from a script, recording each request and the body it was sent: what the SDK's S3
 * client asks of the network, without a network.
 */
final class ScriptedHttpClient implements SdkHttpClient {

    /** What one call answers: a response, or an I/O failure. */
    static final class Answer {
        final int status;
        final Map<String, String> headers;
        final byte[] body;
        final IOException failure;
        boolean aborted;
        int bytesRead;

        private Answer(int status, Map<String, String> headers, byte[] body, IOException failure) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.failure = failure;
        }

        static Answer of(int status, Map<String, String> headers, String body) {
            return of(status, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }

        static Answer of(int status, Map<String, String> headers, byte[] body) {
            return new Answer(status, headers, body, null);
        }

        static Answer ok() {
            return of(200, Map.of(), (byte[]) null);
        }

        static Answer failure(IOException e) {
            return new Answer(0, Map.of(), null, e);
        }
    }

    /** A request as it reached the client, with the body it would have sent. */
    record Sent(SdkHttpRequest request, byte[] body) {
        String header(String name) {
            return request.firstMatchingHeader(name).orElse(null);
        }
    }

    private final Deque<Answer> script = new ArrayDeque<>();
    final List<Sent> sent = new ArrayList<>();

    ScriptedHttpClient answer(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                byte[] body = null;
                if (request.contentStreamProvider().isPresent()) {
                    // Like UrlConnectionHttpClient: the stream is copied, not closed.
                    body = request.contentStreamProvider().get().newStream().readAllBytes();
                }
                sent.add(new Sent(request.httpRequest(), body));
                Answer answer = script.poll();
                if (answer == null) {
                    throw new AssertionError("no scripted answer for " + request.httpRequest().method() + " "
                            + request.httpRequest().getUri());
                }
                if (answer.failure != null) {
                    throw answer.failure;
                }
                SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(answer.status);
                answer.headers.forEach(response::putHeader);
                if (answer.body != null && !answer.headers.containsKey("Content-Length")) {
                    response.putHeader("Content-Length", Integer.toString(answer.body.length));
                }
                HttpExecuteResponse.Builder b = HttpExecuteResponse.builder().response(response.build());
                if (answer.body != null) {
                    b.responseBody(AbortableInputStream.create(new Counting(answer), () -> answer.aborted = true));
                }
                return b.build();
            }

            @Override
            public void abort() {
            }
        };
    }

    @Override
    public void close() {
    }

    /** The answer's body, counting what the store reads of it. */
    private static final class Counting extends InputStream {
        private final Answer answer;
        private final ByteArrayInputStream in;

        Counting(Answer answer) {
            this.answer = answer;
            this.in = new ByteArrayInputStream(answer.body);
        }

        @Override
        public int read() {
            int b = in.read();
            if (b >= 0) {
                answer.bytesRead++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) {
            int n = in.read(buf, off, len);
            if (n > 0) {
                answer.bytesRead += n;
            }
            return n;
        }
    }
}
