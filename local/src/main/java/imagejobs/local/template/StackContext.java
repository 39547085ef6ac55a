package imagejobs.local.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fixed facts CloudFormation would supply: stack name, account, region, partition, URL suffix, plus
 * parameter values that override the template's defaults.
 */
public record StackContext(String stackName, String accountId, String region, String partition, String urlSuffix,
                           Map<String, String> parameterOverrides) {
    public static final String DEFAULT_STACK_NAME = "imagejobs";
    public static final String DEFAULT_ACCOUNT_ID = "000000000000";
    public static final String DEFAULT_REGION = "us-east-1";

    public StackContext {
        parameterOverrides = Map.copyOf(parameterOverrides);
    }

    public static StackContext local(Map<String, String> parameterOverrides) {
        return new StackContext(DEFAULT_STACK_NAME, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, "aws", "amazonaws.com",
                parameterOverrides);
    }

    public Map<String, Object> pseudoParameters() {
        Map<String, Object> pseudo = new LinkedHashMap<>();
        pseudo.put("AWS::StackName", stackName);
        pseudo.put("AWS::AccountId", accountId);
        pseudo.put("AWS::Region", region);
        pseudo.put("AWS::Partition", partition);
        pseudo.put("AWS::URLSuffix", urlSuffix);
        pseudo.put("AWS::StackId", "arn:" + partition + ":cloudformation:" + region + ":" + accountId + ":stack/"
                + stackName + "/00000000-0000-0000-0000-000000000000");
        pseudo.put("AWS::NotificationARNs", java.util.List.of());
        return pseudo;
    }
}
