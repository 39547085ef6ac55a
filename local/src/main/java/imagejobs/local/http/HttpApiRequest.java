package imagejobs.local.http;

import java.util.List;
import java.util.Map;

/**
 * An HTTP request as it reached the front door, before API Gateway's transformations.
 *
 * @param headers header names as received with every value (repeated headers keep each value)
 * @param host    the Host header (domainName in the event)
 */
public record HttpApiRequest(String method, String rawPath, String rawQueryString, List<Map.Entry<String, String>> headers,
                             byte[] body, String sourceIp, String protocol, String host) {
}
