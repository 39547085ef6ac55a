package imagejobs.local.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * SnakeYAML constructor that understands CloudFormation's short-form tags ({@code !Ref}, {@code !GetAtt},
 * {@code !Sub}, ...) by turning each into its long form ({@code {"Ref": ...}}, {@code {"Fn::GetAtt": [..]}}), so
 * the resolver only ever deals with one shape.
 */
final class CloudFormationYamlConstructor extends SafeConstructor {
    /** Short tag name → long-form key. */
    private static final Map<String, String> TAGS = Map.ofEntries(
            Map.entry("Ref", "Ref"),
            Map.entry("Condition", "Condition"),
            Map.entry("GetAtt", "Fn::GetAtt"),
            Map.entry("Sub", "Fn::Sub"),
            Map.entry("Join", "Fn::Join"),
            Map.entry("Select", "Fn::Select"),
            Map.entry("Split", "Fn::Split"),
            Map.entry("If", "Fn::If"),
            Map.entry("Equals", "Fn::Equals"),
            Map.entry("Not", "Fn::Not"),
            Map.entry("And", "Fn::And"),
            Map.entry("Or", "Fn::Or"),
            Map.entry("FindInMap", "Fn::FindInMap"),
            Map.entry("GetAZs", "Fn::GetAZs"),
            Map.entry("ImportValue", "Fn::ImportValue"),
            Map.entry("Base64", "Fn::Base64"),
            Map.entry("Cidr", "Fn::Cidr"),
            Map.entry("Length", "Fn::Length"),
            Map.entry("ToJsonString", "Fn::ToJsonString"),
            Map.entry("Transform", "Fn::Transform"));

    CloudFormationYamlConstructor(LoaderOptions options) {
        super(options);
        TAGS.forEach((tag, longForm) -> yamlConstructors.put(new Tag("!" + tag), new Intrinsic(longForm)));
    }

    private final class Intrinsic extends AbstractConstruct {
        private final String longForm;

        Intrinsic(String longForm) {
            this.longForm = longForm;
        }

        @Override
        public Object construct(Node node) {
            Object value;
            if (node instanceof ScalarNode scalar) {
                String text = constructScalar(scalar);
                // !GetAtt Resource.Attribute is the only short form whose scalar means a list.
                if ("Fn::GetAtt".equals(longForm)) {
                    int dot = text.indexOf('.');
                    value = dot < 0 ? List.of(text) : List.of(text.substring(0, dot), text.substring(dot + 1));
                } else {
                    value = text;
                }
            } else if (node instanceof SequenceNode sequence) {
                value = new ArrayList<>(constructSequence(sequence));
            } else {
                value = new LinkedHashMap<>(constructMapping((MappingNode) node));
            }
            Map<String, Object> longFormMap = new LinkedHashMap<>();
            longFormMap.put(longForm, value);
            return longFormMap;
        }
    }
}
