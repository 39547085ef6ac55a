package imagejobs.adapters.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

class NetworkFailuresTest {

    private static String said(IOException e) {
        return NetworkFailures.describe(e, "before answering");
    }

    @Test
    void eachFailureInWords() {
        assertEquals("refused the connection", said(new ConnectException("Connection refused")));
        assertEquals("refused the connection", said(new ConnectException()));
        assertEquals("did not accept the connection in time", said(new ConnectException("Connection timed out")));
        assertEquals("did not answer in time before answering", said(new SocketTimeoutException("Read timed out")));
        assertEquals("reset the connection before answering", said(new SocketException("Connection reset")));
        assertEquals("closed the connection before answering", said(new EOFException()));
        assertEquals("closed the connection before answering", said(new IOException("Connection closed")));
        assertEquals("could not be reached: there is no route to its host", said(new NoRouteToHostException("x")));
        assertEquals("could not be reached: its host name does not resolve", said(new UnknownHostException("h")));
        assertEquals("failed the TLS handshake (no valid certificate for its host, or no TLS at all)",
                said(new SSLHandshakeException("PKIX path building failed")));
        assertEquals("broke off the connection before answering", said(new IOException("something else")));
        assertEquals("broke off the connection", NetworkFailures.describe(new IOException("x"), ""));
    }

    @Test
    void theCauseChainIsRead() {
        IOException wrapped = new IOException("HTTP/1.1 header parser received no bytes",
                new ConnectException("Connection refused"));
        assertEquals("refused the connection", said(wrapped));
    }
}
