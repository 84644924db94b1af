"""Idea-contest and funding rounds, and the teams' submissions to them."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import contest as contests
from resolvers.change import Change, key_or_rejected
from resolvers.contest import phase_of, rounds_page
from resolvers.ids import to_global_id
from resolvers.node import row_of_type
from schema import team as team_types
from schema.arguments import After, Before, First, Last, ObjectId, described
from schema.base import MEMBERS, PUBLIC, Connection, Info, Node, utc, utc_or_none
from schema.connection import requested_page
from schema.enums import RoundKind, RoundPhase, SubmissionStatus
from schema.mutation import UserError, changed, given

if TYPE_CHECKING:
    from schema.team import Team


@strawberry.federation.type(
    keys=["id"], tags=[PUBLIC], description="A yearly idea-contest round or a funding round."
)
class ContestRound(Node):
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="The round's name.")
    kind: RoundKind = strawberry.field(description="Idea contest or funding round.")
    year: int = strawberry.field(description="The year the round belongs to.")
    description: str | None = strawberry.field(description="What the round is looking for.")
    opens_at: datetime = strawberry.field(description="When submissions open.")
    closes_at: datetime = strawberry.field(description="When submissions close.")
    max_award_eur: int = strawberry.field(
        description="The highest award in whole euros: up to 20,000 for idea contests, "
        "500,000 per joint project for funding rounds."
    )
    cross_sector_required: bool = strawberry.field(
        description="Whether entering teams must span at least two sectors, as the idea contest asks."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("ContestRound", row.id)),
            pk=row.id,
            name=row.name,
            kind=row.kind,
            year=row.year,
            description=row.description,
            opens_at=utc(row.opens_at),
            closes_at=utc(row.closes_at),
            max_award_eur=row.max_award_eur,
            cross_sector_required=row.cross_sector_required,
        )

    @strawberry.field(description="UPCOMING, OPEN or CLOSED, derived from the dates right now.")
    def phase(self, info: Info) -> RoundPhase:
        return phase_of(self.opens_at, self.closes_at, info.context.now)

    @strawberry.federation.field(
        tags=[MEMBERS],
        description="The submissions to this round the viewer may see (their own team's; the jury "
        "and admins see all), in the order received.",
    )
    async def submissions(
        self,
        info: Info,
        status: Annotated[SubmissionStatus | None, described("Only submissions in this status.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["Submission"]:
        request = requested_page(info, first, after, last, before)
        page = await info.context.loaders.submissions_by_round_id(request, status).load(self.pk)
        return Connection.of(page, Submission.from_row)


@strawberry.federation.type(keys=["id"], description="A team's entry to a round.")
class Submission(Node):
    pk: strawberry.Private[int]
    team_id: strawberry.Private[int]
    round_id: strawberry.Private[int]
    project_draft: str = strawberry.field(description="The project draft the team submitted.")
    status: SubmissionStatus = strawberry.field(description="Where the submission stands.")
    award_eur: int | None = strawberry.field(description="The award in whole euros, once AWARDED.")
    submitted_at: datetime = strawberry.field(description="When the team submitted.")
    updated_at: datetime = strawberry.field(description="When the submission last changed.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Submission", row.id)),
            pk=row.id,
            team_id=row.team_id,
            round_id=row.round_id,
            project_draft=row.project_draft,
            status=row.status,
            award_eur=row.award_eur,
            submitted_at=utc(row.submitted_at),
            updated_at=utc(row.updated_at),
        )

    @strawberry.field(description="The team that submitted.")
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")]:
        return team_types.Team.from_row(await info.context.loaders.team_by_id.load(self.team_id))

    @strawberry.field(description="The round entered.")
    async def round(self, info: Info) -> ContestRound:
        return ContestRound.from_row(await info.context.loaders.round_by_id.load(self.round_id))

    @strawberry.field(description="How an award is paid: its instalments in order; empty unless AWARDED.")
    async def instalments(self, info: Info) -> list["AwardInstalment"]:
        rows = await info.context.loaders.instalments_by_submission_id.load(self.pk)
        return [AwardInstalment.from_row(row) for row in rows]


@strawberry.type(description="Part of an award, released once its condition is recorded as met.")
class AwardInstalment:
    position: int = strawberry.field(description="1 for the first instalment, and so on.")
    amount_eur: int = strawberry.field(description="The amount in whole euros.")
    condition: str = strawberry.field(description="What must happen first, e.g. the interim presentation.")
    released_at: datetime | None = strawberry.field(
        description="When the condition was recorded as met and the money released; null until then."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            position=row.position,
            amount_eur=row.amount_eur,
            condition=row.condition,
            released_at=utc_or_none(row.released_at),
        )


@strawberry.input(description="Narrows a list of rounds; every given field must match.")
class ContestRoundFilter:
    kind: list[RoundKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    year: list[int] | None = strawberry.field(default=None, description="In any of these years.")
    phase: list[RoundPhase] | None = strawberry.field(
        default=None, description="In any of these phases right now."
    )


@strawberry.type
class ContestQuery:
    @strawberry.federation.field(
        tags=[PUBLIC],
        description="Idea-contest and funding rounds, in the order announced. "
        "Null, with an error, only when an argument is bad.",
    )
    async def contest_rounds(
        self,
        info: Info,
        filter: Annotated[ContestRoundFilter | None, described("Only rounds matching this.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContestRound] | None:
        given = filter or ContestRoundFilter()
        page = await rounds_page(
            info.context.reader,
            requested_page(info, first, after, last, before),
            kinds=given.kind or (),
            years=given.year or (),
            phases=given.phase or (),
            now=info.context.now,
        )
        return Connection.of(page, ContestRound.from_row)

    @strawberry.federation.field(
        tags=[PUBLIC], description="One round by its global ID; null when there is none."
    )
    async def contest_round(self, info: Info, id: ObjectId) -> ContestRound | None:
        row = await row_of_type(info.context.loaders, id, "ContestRound")
        return None if row is None else ContestRound.from_row(row)


@strawberry.input(description="A team's entry to an open round.")
class SubmitToRoundInput:
    team_id: strawberry.ID = strawberry.field(description="Your team's global ID.")
    round_id: strawberry.ID = strawberry.field(description="The round's global ID.")
    project_draft: str = strawberry.field(description="The project draft; at most 20,000 characters.")


@strawberry.input(description="One part of an award and the condition for paying it.")
class InstalmentInput:
    amount_eur: int = strawberry.field(description="The amount in whole euros.")
    condition: str = strawberry.field(description="What must happen first, e.g. 'Zwischenpräsentation'.")


@strawberry.input(description="The jury's decision on a submission.")
class ReviewSubmissionInput:
    id: strawberry.ID = strawberry.field(description="The submission's global ID.")
    status: SubmissionStatus = strawberry.field(description="SUBMITTED, SHORTLISTED, AWARDED or REJECTED.")
    award_eur: int | None = strawberry.field(
        default=None, description="For AWARDED only: the award, at most the round's maximum."
    )
    instalments: list[InstalmentInput] = strawberry.field(
        default_factory=list, description="For AWARDED only: how the award is paid; they add up to it."
    )


@strawberry.input(description="A new idea-contest or funding round.")
class CreateRoundInput:
    name: str = strawberry.field(description="1 to 200 characters; unique per kind and year.")
    kind: RoundKind = strawberry.field(description="Idea contest or funding round.")
    year: int = strawberry.field(description="The year the round belongs to.")
    opens_at: datetime = strawberry.field(description="When submissions open.")
    closes_at: datetime = strawberry.field(description="When submissions close; after `opensAt`.")
    max_award_eur: int = strawberry.field(
        description="Up to 20,000 for idea contests, 500,000 for funding rounds."
    )
    description: str | None = strawberry.field(default=None, description="What the round looks for.")
    cross_sector_required: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether teams must span two sectors; by default for idea contests.",
    )


@strawberry.input(description="Changes to a round; fields left out stay as they are.")
class UpdateRoundInput:
    id: strawberry.ID = strawberry.field(description="The round's global ID.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 200 characters.")
    year: int | None = strawberry.field(default=strawberry.UNSET, description="The year.")
    opens_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When submissions open."
    )
    closes_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When submissions close."
    )
    max_award_eur: int | None = strawberry.field(default=strawberry.UNSET, description="The highest award.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="What the round looks for."
    )
    cross_sector_required: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether teams must span two sectors."
    )


@strawberry.type(description="The result of a change to a submission.")
class SubmissionPayload:
    submission: Submission | None = strawberry.field(
        description="The submission as it is now; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


@strawberry.type(description="The result of a change to a round.")
class ContestRoundPayload:
    contest_round: ContestRound | None = strawberry.field(
        description="The round as it is now; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


async def _submission_payload(
    info: Info, work: Callable[[Change], Awaitable[int | None]]
) -> SubmissionPayload:
    submission, errors = await changed(
        info, work, lambda loaders: loaders.submission_by_id, Submission.from_row
    )
    return SubmissionPayload(submission=submission, errors=errors)


async def _round_payload(info: Info, work: Callable[[Change], Awaitable[int | None]]) -> ContestRoundPayload:
    round_, errors = await changed(info, work, lambda loaders: loaders.round_by_id, ContestRound.from_row)
    return ContestRoundPayload(contest_round=round_, errors=errors)


@strawberry.type
class ContestMutation:
    @strawberry.mutation(
        description="Enters your team (2 to 4 members) in an open round, once; where the round asks for "
        "it, the members come from at least two sectors."
    )
    async def submit_to_round(
        self,
        info: Info,
        input: Annotated[SubmitToRoundInput, described("The team, the round and the draft.")],
    ) -> SubmissionPayload | None:
        return await _submission_payload(
            info,
            lambda c: contests.submit_to_round(
                c,
                key_or_rejected(input.team_id, "teamId", "Team"),
                key_or_rejected(input.round_id, "roundId", "ContestRound"),
                input.project_draft,
            ),
        )

    @strawberry.mutation(description="Withdraws your team's submission, before the round closes.")
    async def withdraw_submission(self, info: Info, id: ObjectId) -> SubmissionPayload | None:
        return await _submission_payload(
            info, lambda c: contests.withdraw_submission(c, key_or_rejected(id, "id", "Submission"))
        )

    @strawberry.mutation(
        description="The jury's decision on a submission, with the award and its instalments."
    )
    async def review_submission(
        self,
        info: Info,
        input: Annotated[ReviewSubmissionInput, described("The submission and the decision.")],
    ) -> SubmissionPayload | None:
        instalments = [(part.amount_eur, part.condition) for part in input.instalments]
        return await _submission_payload(
            info,
            lambda c: contests.review_submission(
                c, key_or_rejected(input.id, "id", "Submission"), input.status, input.award_eur, instalments
            ),
        )

    @strawberry.mutation(
        description="The jury records an instalment's condition as met, releasing it; in order."
    )
    async def release_instalment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, described("The awarded submission's global ID.")],
        position: Annotated[int, described("The instalment's position, 1 for the first.")],
    ) -> SubmissionPayload | None:
        return await _submission_payload(
            info, lambda c: contests.release_instalment(c, key_or_rejected(id, "id", "Submission"), position)
        )

    @strawberry.mutation(description="Admins only: announces a new round.")
    async def create_round(
        self, info: Info, input: Annotated[CreateRoundInput, described("The new round.")]
    ) -> ContestRoundPayload | None:
        values = given(input)
        return await _round_payload(info, lambda c: contests.create_round(c, values))

    @strawberry.mutation(description="Admins only: changes a round.")
    async def update_round(
        self, info: Info, input: Annotated[UpdateRoundInput, described("The round and the fields to change.")]
    ) -> ContestRoundPayload | None:
        values = given(input, "id")
        return await _round_payload(
            info,
            lambda c: contests.update_round(c, key_or_rejected(input.id, "id", "ContestRound"), values),
        )
