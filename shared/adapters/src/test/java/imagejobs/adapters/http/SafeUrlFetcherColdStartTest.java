package imagejobs.adapters.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

/**
 * The worker builds its fetcher when its container starts, and most jobs have no URL reference: building the
 * fetcher must not load HttpClient (hundreds of classes and the JDK's trust store); the first download does, once.
 * Seen through a class loader of its own over this test's class path, which records every class asked of it.
 */
class SafeUrlFetcherColdStartTest {

    private static final class Recording extends URLClassLoader {
        final List<String> asked = new CopyOnWriteArrayList<>();

        Recording(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            asked.add(name);
            return super.loadClass(name, resolve);
        }

        List<String> httpClientClasses() {
            return asked.stream().filter(n -> n.startsWith("org.apache.hc.")).distinct().toList();
        }
    }

    @Test
    void buildingTheFetcherLoadsNoHttpClientClassTheFirstDownloadDoes() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(toUrl(entry));
        }
        try (Recording loader = new Recording(urls.toArray(new URL[0]))) {
            Class<?> fetcherClass = loader.loadClass(SafeUrlFetcher.class.getName());
            Object fetcher = fetcherClass.getMethod("standard", boolean.class).invoke(null, false);
            assertEquals(List.of(), loader.httpClientClasses(), "loaded while building the fetcher");

            // A download (refused: loopback is not allowed here, so nothing leaves the machine) builds the client.
            try {
                fetcherClass.getMethod("fetch", String.class).invoke(fetcher, "https://127.0.0.1/x.png");
            } catch (InvocationTargetException e) {
                assertEquals("imagejobs.shared.worker.ReferenceException", e.getCause().getClass().getName());
                assertTrue(e.getCause().getMessage().contains("non-public"), e.getCause().getMessage());
            }
            int built = loader.httpClientClasses().size();
            assertTrue(built > 100, "the first download built the client: " + built + " HttpClient classes");
        }
    }

    private static URL toUrl(String entry) {
        try {
            return new File(entry).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
