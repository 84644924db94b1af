"""The assembled CIP schema, an Apollo Federation v2 subgraph: the root query, mutation and
subscription, each built from every concept's part."""

import strawberry
from strawberry.extensions import AddValidationRules, ParserCache
from strawberry.schema.config import StrawberryConfig

from schema.connection import ReleaseReader
from schema.contest import ContestMutation, ContestQuery
from schema.errors import ErrorPolicy
from schema.event import EventSubscription, SubscriptionsNeedAStream
from schema.federation import Schema
from schema.hygiene import NoNulInLiterals, NoNulInVariables
from schema.idea import IdeaMutation, IdeaQuery
from schema.invite import InviteMutation
from schema.limits import AbuseLimits, MutationRateLimit
from schema.match import MatchQuery
from schema.network import NetworkQuery
from schema.node import NodeQuery
from schema.observation import ObserveOperation
from schema.plan import LearnPlans
from schema.privacy import PrivacyMutation, PrivacyQuery
from schema.profile import ProfileMutation, ProfileQuery
from schema.progress import ProgressMutation
from schema.skill import SkillMutation, SkillQuery
from schema.team import TeamMutation, TeamQuery
from schema.topic import TopicQuery
from schema.trusted_documents import TrustedDocumentsOnly


@strawberry.type(
    description="The Civic Innovation Platform: profiles, skills, ideas, teams and contest rounds."
)
class Query(
    NodeQuery,
    IdeaQuery,
    ProfileQuery,
    SkillQuery,
    TopicQuery,
    TeamQuery,
    ContestQuery,
    MatchQuery,
    NetworkQuery,
    PrivacyQuery,
):
    pass


@strawberry.type(
    description="Every change members, the jury and admins make. Each runs in one transaction and "
    "returns a payload with the changed object and `errors`; anonymous callers get UNAUTHENTICATED."
)
class Mutation(
    ProfileMutation,
    IdeaMutation,
    InviteMutation,
    TeamMutation,
    ContestMutation,
    ProgressMutation,
    SkillMutation,
    PrivacyMutation,
):
    pass


@strawberry.type(
    description="Live events for signed-in members, over WebSocket (graphql-transport-ws, or the "
    "legacy graphql-ws) or Server-Sent Events; the token goes in `connection_init` or the "
    "Authorization header."
)
class Subscription(EventSubscription):
    pass


MAX_BATCH = 100
"""The most operations one HTTP request may batch; CIP_MAX_BATCH chooses a limit up to this."""

schema = Schema(
    config=StrawberryConfig(batching_config={"max_operations": MAX_BATCH}),
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        ObserveOperation,
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules([NoNulInLiterals]),
        AbuseLimits,
        TrustedDocumentsOnly,
        NoNulInVariables,
        MutationRateLimit,
        ErrorPolicy,
        ReleaseReader,
        SubscriptionsNeedAStream,
        LearnPlans,
    ],
)

__all__ = ["schema"]
