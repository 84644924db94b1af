"""OpenTelemetry traces of GraphQL operations (CIP_OTEL=1), exported over OTLP/HTTP where the standard
OTEL_* variables say (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...).

Strawberry's extension times every resolver, so it joins only the operations of an app that traces
(schema.federation.Schema.get_extensions); with tracing off no operation pays for it."""

from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import trace
from strawberry.extensions.tracing import OpenTelemetryExtension

from app.observation import observed

SERVICE_NAME = "cip-graph"


def start_tracing() -> None:
    """The process's tracer provider, batching spans to the OTLP endpoint. The SDK and exporter load
    only here, so a service that does not trace does not import them."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME as SERVICE_NAME_KEY
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME_KEY, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME_KEY: SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def traces_operations() -> bool:
    observation = observed()
    return observation is not None and observation.traced


def _no_arguments(_arguments: dict[str, Any], _info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    """Argument values are what members typed (names, emails); spans keep the field paths only."""
    return {}


def operation_tracing() -> OpenTelemetryExtension:
    return OpenTelemetryExtension(arg_filter=_no_arguments)
