package imagejobs.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IntrinsicResolverTest {
    private static final String YAML = """
            Parameters:
              Env: {Type: String, Default: dev}
              Size: {Type: Number, Default: 3}
              Zones: {Type: CommaDelimitedList, Default: "a,b"}
            Mappings:
              Sizes:
                dev: {memory: 512}
            Conditions:
              IsDev: !Equals [!Ref Env, dev]
              IsProd: !Not [!Condition IsDev]
              Both: !And [!Condition IsDev, !Not [!Condition IsProd]]
              Either: !Or [!Condition IsProd, !Condition IsDev]
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties: {QueueName: !Sub "${AWS::StackName}-${Env}-q"}
              Table:
                Type: AWS::DynamoDB::Table
              Bucket:
                Type: AWS::S3::Bucket
              Thing:
                Type: Custom::Thing
                Properties:
                  ref: !Ref Env
                  number: !Ref Size
                  getatt: !GetAtt Queue.Arn
                  getattList: !GetAtt [Queue, QueueName]
                  sub: !Sub "${Queue.QueueName} in ${AWS::Region}/${AWS::Partition} ${!Literal}"
                  subList: !Sub ["${Name}-${Env}", {Name: !Ref Table}]
                  join: !Join ["-", [a, !Ref Env, !Ref Size]]
                  select: !Select [1, !Ref Zones]
                  selectSplit: !Select [1, !Split [",", "x,y,z"]]
                  if: !If [IsDev, yes-dev, no-dev]
                  ifNoValue: [one, !If [IsProd, two, !Ref "AWS::NoValue"]]
                  both: !If [Both, true, false]
                  either: !If [Either, true, false]
                  map: !FindInMap [Sizes, !Ref Env, memory]
                  base64: !Base64 hi
                  azs: !GetAZs ""
                  longRef: {Ref: Bucket}
                  longGetAtt: {"Fn::GetAtt": "Queue.QueueUrl"}
                  longSub: {"Fn::Sub": "${Table}!"}
                  imported: !ImportValue other-stack-export
                  cidr: !Cidr ["10.0.0.0/16", 4, 8]
            """;
    private static IntrinsicResolver resolver;
    private static Map<String, Object> thing;

    @BeforeAll
    static void parse() {
        StackTemplate template = new TemplateReader().parse(YAML, Path.of("/templates"));
        ResourceNames names = new ResourceNames(template, StackContext.local(Map.of()), "http://127.0.0.1:9324");
        resolver = names.resolver();
        thing = template.resource("Thing").properties();
    }

    private static Object resolve(String property) {
        return resolver.resolve(thing.get(property));
    }

    @Test
    void refAndGetAtt() {
        assertEquals("dev", resolve("ref"));
        assertEquals("3", resolver.resolveString(thing.get("number")));
        assertEquals("arn:aws:sqs:us-east-1:000000000000:imagejobs-dev-q", resolve("getatt"));
        assertEquals("imagejobs-dev-q", resolve("getattList"));
        assertEquals("bucket", resolve("longRef"), "a bucket without BucketName is its lower-case logical id");
        assertEquals("http://127.0.0.1:9324/000000000000/imagejobs-dev-q", resolve("longGetAtt"));
    }

    @Test
    void subInBothForms() {
        assertEquals("imagejobs-dev-q in us-east-1/aws ${Literal}", resolve("sub"));
        assertEquals("Table-dev", resolve("subList"));
        assertEquals("Table!", resolve("longSub"));
    }

    @Test
    void joinSelectSplit() {
        assertEquals("a-dev-3", resolve("join"));
        assertEquals("b", resolve("select"));
        assertEquals("y", resolve("selectSplit"));
    }

    @Test
    void conditionsAndNoValue() {
        assertEquals("yes-dev", resolve("if"));
        assertEquals(List.of("one"), resolve("ifNoValue"));
        assertEquals(true, resolve("both"));
        assertEquals(true, resolve("either"));
    }

    @Test
    void mapsBase64AndAzs() {
        assertEquals(512, resolve("map"));
        assertEquals("aGk=", resolve("base64"));
        assertEquals(List.of("us-east-1a", "us-east-1b", "us-east-1c"), resolve("azs"));
    }

    @Test
    void unsupportedIntrinsicsParseButFailWhenUsed() {
        assertEquals(Map.of("Fn::ImportValue", "other-stack-export"), thing.get("imported"));
        assertTrue(thing.get("cidr") instanceof Map);
        TemplateException e = assertThrows(TemplateException.class, () -> resolve("imported"));
        assertTrue(e.getMessage().contains("Fn::ImportValue"), e.getMessage());
    }

    @Test
    void unknownReferenceNamesIt() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> resolver.resolve(Map.of("Ref", "Nope")));
        assertTrue(e.getMessage().contains("Nope"));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void everyShortFormTagParses() {
        String yaml = """
                a: !Ref X
                b: !GetAtt X.Y
                c: !Sub "s"
                d: !Sub ["s", {}]
                e: !Join ["", []]
                f: !Select [0, []]
                g: !If [C, 1, 2]
                h: !Equals [1, 1]
                i: !Not [!Equals [1, 2]]
                j: !FindInMap [M, K, V]
                k: !Split [",", "a"]
                l: !GetAZs ""
                m: !ImportValue name
                n: !Base64 text
                o: !And [!Condition A, !Condition B]
                p: !Or [!Condition A, !Condition B]
                q: !Base64 {"Fn::Sub": "x"}
                """;
        Map<String, Object> doc = new TemplateReader().parse(yaml, Path.of(".")).document();
        assertEquals(Map.of("Ref", "X"), doc.get("a"));
        assertEquals(Map.of("Fn::GetAtt", List.of("X", "Y")), doc.get("b"));
        assertEquals(17, doc.size());
        doc.values().forEach(v -> assertTrue(v instanceof Map<?, ?> m && m.size() == 1, String.valueOf(v)));
    }
}
