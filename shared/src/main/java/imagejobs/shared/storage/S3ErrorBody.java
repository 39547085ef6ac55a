package imagejobs.shared.storage;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * S3's XML error document, {@code <Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>}.
 * Only those three elements are read: a SignatureDoesNotMatch body also carries the string to sign and the canonical
 * request, which never leave this class.
 */
record S3ErrorBody(String code, String message, String requestId) {

    /** The error in {@code body}, or null when the body is empty or not an {@code <Error>} document. */
    static S3ErrorBody parse(byte[] body) {
        if (body == null || body.length == 0 || !mayBeError(body)) {
            return null;
        }
        try {
            XMLStreamReader reader = Xml.FACTORY.createXMLStreamReader(new ByteArrayInputStream(body));
            try {
                return read(reader);
            } finally {
                reader.close();
            }
        } catch (XMLStreamException | RuntimeException e) {
            return null;
        }
    }

    /** Cheap test before any XML parsing: CopyObject's successful 200 bodies are checked with it. */
    private static boolean mayBeError(byte[] body) {
        return new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8).contains("<Error");
    }

    private static S3ErrorBody read(XMLStreamReader reader) throws XMLStreamException {
        while (reader.hasNext() && reader.next() != XMLStreamConstants.START_ELEMENT) {
            // skip the prolog
        }
        if (!reader.isStartElement() || !"Error".equals(reader.getLocalName())) {
            return null;
        }
        String code = null;
        String message = null;
        String requestId = null;
        int depth = 1;
        while (reader.hasNext() && depth > 0) {
            int event = reader.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                if (depth == 1) {
                    String name = reader.getLocalName();
                    switch (name) {
                        case "Code" -> code = reader.getElementText().trim();
                        case "Message" -> message = reader.getElementText().trim();
                        case "RequestId" -> requestId = reader.getElementText().trim();
                        default -> depth++;
                    }
                } else {
                    depth++;
                }
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
        return code == null || code.isEmpty() ? null : new S3ErrorBody(code, message, requestId);
    }

    /** What S3 means by a status when it sends no body (HEAD requests never have one). */
    static String codeForStatus(int status) {
        return switch (status) {
            case 301 -> "PermanentRedirect";
            case 307 -> "TemporaryRedirect";
            case 400 -> "BadRequest";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 411 -> "MissingContentLength";
            case 412 -> "PreconditionFailed";
            case 429 -> "TooManyRequests";
            case 500 -> "InternalError";
            case 503 -> "ServiceUnavailable";
            default -> "Http" + status;
        };
    }

    /** Built on the first error body only: successful requests never load an XML parser. */
    private static final class Xml {
        static final XMLInputFactory FACTORY = secureFactory();
    }

    private static XMLInputFactory secureFactory() {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        // No DTDs, no external entities: the body comes from the network.
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        return factory;
    }
}
