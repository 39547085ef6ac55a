"""Runs the SAM translator on a template the way `sam deploy` hands it to CloudFormation, prints the result as JSON.

sam deploy first uploads each local CodeUri (our Maven-built jars) and puts its S3 location in the template; the
translator refuses a local path, so local CodeUris are replaced by an S3 URI here. No AWS call is made: the region
comes from AWS_DEFAULT_REGION and managed policies are not looked up (the template names none).
"""
import json
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    def load(self):
        return {}


def main(path):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        code = properties.get("CodeUri")
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(code, str) \
                and not code.startswith("s3://"):
            properties["CodeUri"] = "s3://sam-deploy-upload/" + code
    json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
