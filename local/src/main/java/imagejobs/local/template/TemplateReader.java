package imagejobs.local.template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Reads a SAM/CloudFormation template (YAML with short-form intrinsic tags) into a {@link StackTemplate}. */
public final class TemplateReader {

    public TemplateReader() {
    }

    public StackTemplate read(Path file) {
        try {
            Path absolute = file.toAbsolutePath().normalize();
            return parse(Files.readString(absolute, StandardCharsets.UTF_8), absolute.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + file, e);
        }
    }

    /** {@code baseDirectory} is what relative CodeUri values are resolved against (the template's folder). */
    public StackTemplate parse(String yaml, Path baseDirectory) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object document = new Yaml(new CloudFormationYamlConstructor(options)).load(yaml);
        if (!(document instanceof Map<?, ?> map)) {
            throw new TemplateException("template is not a YAML mapping");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) map;
        return new StackTemplate(root, baseDirectory);
    }
}
