package imagejobs.adapters.net;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

import javax.net.ssl.SSLException;

/**
 * What a failed network exchange means to a client, as a phrase that follows its subject ("Gemini …",
 * "reference https://… …"): "refused the connection", "reset the connection before answering". Exception types and
 * JDK messages are words of our implementation, not of the client's problem: callers log those and show this.
 */
public final class NetworkFailures {
    private NetworkFailures() {
    }

    /**
     * @param step when it happened, e.g. "before answering" or "while sending the answer"; empty for none
     */
    public static String describe(IOException e, String step) {
        String when = step == null || step.isEmpty() ? "" : " " + step;
        Throwable cause = e;
        for (int depth = 0; cause != null && depth < 5; depth++, cause = cause.getCause()) {
            String text = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return "could not be reached: its host name does not resolve";
            }
            if (cause instanceof NoRouteToHostException) {
                return "could not be reached: there is no route to its host";
            }
            if (cause instanceof ConnectException) {
                return text.contains("timed out") ? "did not accept the connection in time" : "refused the connection";
            }
            if (cause instanceof SocketTimeoutException || text.contains("timed out")) {
                return "did not answer in time" + when;
            }
            if (cause instanceof SSLException) {
                return "failed the TLS handshake (no valid certificate for its host, or no TLS at all)";
            }
            if (text.contains("reset")) {
                return "reset the connection" + when;
            }
            if (cause instanceof EOFException || text.contains("closed") || text.contains("eof")
                    || text.contains("broken pipe")) {
                return "closed the connection" + when;
            }
            if (cause instanceof SocketException) {
                return "broke off the connection" + when;
            }
        }
        return "broke off the connection" + when;
    }
}
