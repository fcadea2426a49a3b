"""The public HTTP entry point (the original ``modules/api_gateway``).

A regional REST API with one resource and one POST method proxied to the function.
"""

from __future__ import annotations

from cdktf import Fn, TerraformResourceLifecycle
from constructs import Construct

from constructs_lib.aws import (
    ApiGatewayDeployment,
    ApiGatewayIntegration,
    ApiGatewayMethod,
    ApiGatewayResource,
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
    ApiGatewayStage,
    LambdaPermission,
)

RESOURCE_PATH = "invoke"


class InferenceApi(Construct):
    """``POST /<stage>/invoke`` → Lambda proxy integration.

    The deployment is replaced whenever the method or integration changes (a hash of their
    ids and settings in ``triggers``) and created before the old one is destroyed so the stage
    always points at a live deployment. The Lambda permission names this API, this stage
    and only ``POST /invoke``, so no other API, stage or method can invoke the function.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        api_name: str,
        stage_name: str,
        function_name: str,
        function_invoke_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        self.rest_api = ApiGatewayRestApi(
            self, "rest_api",
            name=api_name,
            description="Amazon Bedrock inference endpoint",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
        )
        self.resource = ApiGatewayResource(
            self, "resource",
            rest_api_id=self.rest_api.id,
            parent_id=self.rest_api.root_resource_id,
            path_part=RESOURCE_PATH,
        )
        self.method = ApiGatewayMethod(
            self, "post",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method="POST",
            authorization="NONE",
        )
        self.integration = ApiGatewayIntegration(
            self, "integration",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method=self.method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",  # Lambda is always invoked with POST
            uri=function_invoke_arn,
        )
        self.deployment = ApiGatewayDeployment(
            self, "deployment",
            rest_api_id=self.rest_api.id,
            triggers={"redeployment": Fn.sha1(Fn.jsonencode([
                self.resource.id, self.method.id, self.method.authorization,
                self.integration.id, self.integration.type, self.integration.uri,
            ]))},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[self.method, self.integration],
        )
        self.stage = ApiGatewayStage(
            self, "stage",
            rest_api_id=self.rest_api.id,
            deployment_id=self.deployment.id,
            stage_name=stage_name,
        )
        self.permission = LambdaPermission(
            self, "invoke_permission",
            statement_id="AllowApiGatewayInvokePost",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.rest_api.execution_arn}/{stage_name}/POST/{RESOURCE_PATH}",
        )
        self.endpoint_url = f"{self.stage.invoke_url}/{RESOURCE_PATH}"
