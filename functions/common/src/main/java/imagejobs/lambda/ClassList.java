package imagejobs.lambda;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A class list resource: one binary class name per line; blank lines and {@code #} comments ignored. */
final class ClassList {
    private ClassList() {
    }

    /** The names in the resource, or none when the jar has no list. */
    static List<String> read(ClassLoader loader, String resource) {
        List<String> names = new ArrayList<>();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return names;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            // An unreadable list only means no preloading.
        }
        return names;
    }
}
