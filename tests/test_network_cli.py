"""`cip-graph network export` and `cip-graph report`: readable by the analysts' tools, public data only."""

import asyncio
import csv
import os
import sys
from pathlib import Path

import networkx as nx
import pytest
from sqlalchemy import insert, update
from sqlmodel import col

from app.cli import EXPORT_FORMATS, parser
from app.network import EDGE_COLUMNS, NODE_COLUMNS, ExportFormat, export_network, write_report
from app.settings import Settings
from models import Profile, metadata
from models.db import Database
from models.enums import InviteStatus, ProfileKind, Region, Sector, SkillDirection, SkillLevel, TeamRole
from resolvers.ids import to_global_id
from tests.world import NOW, PROFILES, build, subject

OWNER, PARTNER, STRANGER = (to_global_id("Profile", key) for key, _ in PROFILES.values())
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTS = ("sector-mix.png", "skills.png", "sector-matrix.png", "network.png")


async def _private_world(database: Database) -> list[str]:
    """The world with private text on every profile, the stranger as an organisation in Berlin and a
    second edge (an invitation from the owner the stranger accepted); returns the private texts."""
    await build(database)
    private = ["Private message"]
    async with database.engine.begin() as connection:
        for name, (key, _) in PROFILES.items():
            texts = {"ai_interests": f"Interests of {name}", "prior_experience": f"Experience of {name}"}
            await connection.execute(update(Profile).where(col(Profile.id) == key).values(**texts))
            private += [f"Bio of {name}", subject(name), *texts.values()]
        await connection.execute(
            update(Profile)
            .where(col(Profile.id) == 3)
            .values(kind=ProfileKind.ORGANISATION, organisation_name="Institut Drei", region=Region.BERLIN)
        )
        await connection.execute(
            insert(metadata.tables["invite"]),
            [
                {
                    "id": 2,
                    "sender_id": 1,
                    "recipient_id": 3,
                    "idea_id": 1,
                    "team_id": 1,
                    "message": "Private message",
                    "status": InviteStatus.ACCEPTED,
                    "responded_at": NOW,
                }
            ],
        )
    return private


async def test_graphml_round_trips_nodes_edges_and_attributes(database: Database, tmp_path: Path) -> None:
    await _private_world(database)
    out = tmp_path / "network.graphml"
    assert await export_network(database, ExportFormat.GRAPHML, out) == f"wrote 3 nodes and 2 edges to {out}"
    graph = nx.read_graphml(out)
    assert set(graph.nodes) == {OWNER, PARTNER, STRANGER}
    assert graph.nodes[STRANGER] == {
        "label": "Stranger",
        "kind": "ORGANISATION",
        "organisation_name": "Institut Drei",
        "sector": "RESEARCH",
        "region": "BERLIN",
        "degree": 1,
        "strength": 1,
        "betweenness": 0.0,
        "community": graph.nodes[STRANGER]["community"],
    }
    assert (graph.nodes[OWNER]["degree"], graph.nodes[OWNER]["strength"]) == (2, 3)
    assert graph.nodes[OWNER]["betweenness"] == 1.0
    assert graph.nodes[OWNER]["region"] == ""
    # The team on the published idea and its submission; the pending invitation of the world does not count.
    assert graph.edges[OWNER, PARTNER] == {"weight": 2, "teams": 1, "invites": 0, "submissions": 1}
    assert graph.edges[OWNER, STRANGER] == {"weight": 1, "teams": 0, "invites": 1, "submissions": 0}


async def test_gexf_is_readable_by_networkx(database: Database, tmp_path: Path) -> None:
    await _private_world(database)
    out = tmp_path / "network.gexf"
    await export_network(database, ExportFormat.GEXF, out)
    graph = nx.read_gexf(out)
    assert set(graph.nodes) == {OWNER, PARTNER, STRANGER}
    assert graph.nodes[PARTNER]["label"] == "Partner"
    assert graph.nodes[PARTNER]["sector"] == "MUNICIPALITY"
    assert graph.nodes[OWNER]["degree"] == 2
    assert graph.edges[OWNER, PARTNER]["weight"] == 2
    assert graph.edges[OWNER, PARTNER]["submissions"] == 1


async def test_csv_writes_nodes_and_edges_with_headers(database: Database, tmp_path: Path) -> None:
    await _private_world(database)
    out = tmp_path / "csv"
    await export_network(database, ExportFormat.CSV, out)
    with (out / "nodes.csv").open(newline="", encoding="utf-8") as file:
        nodes = list(csv.reader(file))
    with (out / "edges.csv").open(newline="", encoding="utf-8") as file:
        edges = list(csv.reader(file))
    assert nodes[0] == [
        "id",
        "label",
        "kind",
        "organisation_name",
        "sector",
        "region",
        "degree",
        "strength",
        "betweenness",
        "community",
    ]
    assert [row[:8] for row in nodes[1:]] == [
        [OWNER, "Owner", "PERSON", "", "STARTUP", "", "2", "3"],
        [PARTNER, "Partner", "PERSON", "", "MUNICIPALITY", "", "1", "2"],
        [STRANGER, "Stranger", "ORGANISATION", "Institut Drei", "RESEARCH", "BERLIN", "1", "1"],
    ]
    assert edges == [
        ["source", "target", "weight", "teams", "invites", "submissions"],
        [OWNER, PARTNER, "2", "1", "0", "1"],
        [OWNER, STRANGER, "1", "0", "1", "0"],
    ]


async def test_no_export_holds_private_profile_text(database: Database, tmp_path: Path) -> None:
    private = await _private_world(database)
    for fmt in ExportFormat:
        await export_network(database, fmt, tmp_path / f"network.{fmt.value}")
    csv_files = [tmp_path / "network.csv" / name for name in ("nodes.csv", "edges.csv")]
    for file in [tmp_path / "network.graphml", tmp_path / "network.gexf", *csv_files]:
        text = file.read_text(encoding="utf-8")
        assert OWNER in text
        for secret in private:
            assert secret not in text, (file.name, secret)


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_an_empty_database_exports_no_nodes(
    database: Database, tmp_path: Path, fmt: ExportFormat
) -> None:
    out = tmp_path / f"empty.{fmt.value}"
    assert await export_network(database, fmt, out) == f"wrote 0 nodes and 0 edges to {out}"
    if fmt is ExportFormat.CSV:
        assert (out / "nodes.csv").read_text().splitlines() == [",".join(NODE_COLUMNS)]
        assert (out / "edges.csv").read_text().splitlines() == [",".join(EDGE_COLUMNS)]
    else:
        read = nx.read_gexf if fmt is ExportFormat.GEXF else nx.read_graphml
        assert read(out).number_of_nodes() == 0


async def _busier_world(database: Database) -> list[str]:
    """The private world, a fourth profile in a team with the stranger (a same-sector pair beside
    the cross-sector ones) and skills offered and sought; returns the private texts."""
    private = await _private_world(database)
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(metadata.tables["profile"]),
            [
                {
                    "id": 4,
                    "subject_id": subject("fourth"),
                    "kind": ProfileKind.PERSON,
                    "display_name": "Fourth",
                    "sector": Sector.RESEARCH,
                    "bio": "Bio of fourth",
                }
            ],
        )
        await connection.execute(insert(metadata.tables["team"]), [{"id": 2, "idea_id": 3, "name": "Two"}])
        await connection.execute(
            insert(metadata.tables["membership"]),
            [
                {"id": 3, "team_id": 2, "profile_id": 3, "role": TeamRole.LEAD},
                {"id": 4, "team_id": 2, "profile_id": 4, "role": TeamRole.MEMBER},
            ],
        )
        await connection.execute(
            insert(metadata.tables["profile_skill"]),
            [
                {"profile_id": key, "skill_id": skill, "direction": direction, "level": SkillLevel.ADVANCED}
                for key, skill, direction in (
                    (1, 1, SkillDirection.OFFERS),
                    (2, 1, SkillDirection.SEEKS),
                    (3, 1, SkillDirection.SEEKS),
                    (4, 2, SkillDirection.OFFERS),
                )
            ],
        )
    return [*private, "Bio of fourth", subject("fourth")]


async def test_report_writes_a_page_and_four_plots(database: Database, tmp_path: Path) -> None:
    private = await _busier_world(database)
    index = await write_report(database, tmp_path / "report")
    assert index == tmp_path / "report" / "index.html"
    page = index.read_text(encoding="utf-8")
    for plot in PLOTS:
        image = (tmp_path / "report" / plot).read_bytes()
        assert image.startswith(PNG_SIGNATURE), plot
        assert len(image) > 1_000, plot
        assert f'src="{plot}"' in page
    assert "<tr><th>Profiles</th><td>4</td></tr>" in page
    assert "<tr><th>Collaborating pairs (edges)</th><td>3</td></tr>" in page
    assert "<tr><th>Cross-sector share of edges</th><td>66.7%</td></tr>" in page
    for secret in private:
        assert secret not in page


async def test_report_of_an_empty_database(database: Database, tmp_path: Path) -> None:
    index = await write_report(database, tmp_path)
    assert "<tr><th>Profiles</th><td>0</td></tr>" in index.read_text(encoding="utf-8")
    for plot in PLOTS:
        assert (tmp_path / plot).read_bytes().startswith(PNG_SIGNATURE), plot


async def test_the_command_exports_csv(database: Database, tmp_path: Path) -> None:
    await _private_world(database)
    out = tmp_path / "x"
    command = Path(sys.executable).parent / "cip-graph"
    process = await asyncio.create_subprocess_exec(
        command,
        *("network", "export", "--format", "csv", "--out", str(out)),
        env={**os.environ, "CIP_DATABASE_URL": database.url, "CIP_DEMO_DATA": "0"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode() == f"wrote 3 nodes and 2 edges to {out}\n"
    assert len((out / "edges.csv").read_text().splitlines()) == 3


def test_an_unknown_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parser(Settings()).parse_args(["network", "export", "--format", "dot"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'dot'" in error
    for name in ("graphml", "gexf", "csv"):
        assert name in error


def test_the_parser_offers_every_export_format() -> None:
    assert tuple(ExportFormat) == EXPORT_FORMATS
