"""The assembled CIP schema: one root query built from each concept's part."""

import strawberry
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache

from schema.connection import ReleaseReader
from schema.contest import ContestQuery
from schema.errors import ErrorPolicy
from schema.hygiene import NoNulInLiterals, NoNulInVariables
from schema.idea import IdeaQuery
from schema.node import NodeQuery
from schema.profile import ProfileQuery
from schema.skill import SkillQuery
from schema.team import TeamQuery
from schema.topic import TopicQuery


@strawberry.type(
    description="The Civic Innovation Platform: profiles, skills, ideas, teams and contest rounds."
)
class Query(NodeQuery, IdeaQuery, ProfileQuery, SkillQuery, TopicQuery, TeamQuery, ContestQuery):
    pass


schema = strawberry.Schema(
    query=Query,
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules([NoNulInLiterals]),
        lambda: ValidationCache(maxsize=512),
        NoNulInVariables,
        ErrorPolicy,
        ReleaseReader,
    ],
)

__all__ = ["schema"]
