"""Analysts' views of the partner network: exports for Gephi, networkx or R, and an HTML report.

Both carry public profile data only (`PUBLIC_PROFILES`): what any member sees on a profile card,
never bios, interests, experience, portal subjects or timestamps. The network itself counts only
collaboration members can see (see resolvers.network), so nothing here reveals more than the graph."""

import csv
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import matplotlib
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sqlalchemy import select
from sqlmodel import col

from models import Profile, Skill
from models.db import Database, RequestReader
from models.enums import Sector
from models.query import Query, in_array
from resolvers.ids import to_global_id
from resolvers.network import (
    SEED,
    Network,
    NetworkFilter,
    NetworkStats,
    analyse,
    collaboration,
    network_stats,
)

PUBLIC_PROFILES = Query(
    select(
        col(Profile.id),
        col(Profile.kind),
        col(Profile.display_name),
        col(Profile.organisation_name),
        col(Profile.sector),
        col(Profile.region),
    ).where(in_array(col(Profile.id), "keys"))
)
SKILL_NAMES = Query(select(col(Skill.id), col(Skill.name)).where(in_array(col(Skill.id), "keys")))
DRAWN_NODES = 300
"""A drawing of more nodes is a hairball; the report draws the best connected ones."""
NODE_COLUMNS = (
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
)
EDGE_COLUMNS = ("source", "target", "weight", "teams", "invites", "submissions")


class ExportFormat(StrEnum):
    GRAPHML = "graphml"
    GEXF = "gexf"
    CSV = "csv"


DEFAULT_EXPORT_PATHS = {
    ExportFormat.GRAPHML: Path("cip-network.graphml"),
    ExportFormat.GEXF: Path("cip-network.gexf"),
    ExportFormat.CSV: Path("cip-network"),
}

Value = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    """The network as rows of plain values keyed by global ID, which every format writes the same way
    (networkx's GraphML and GEXF writers know `str`, not the enums' subclasses of it)."""

    network: Network
    nodes: list[dict[str, Value]]
    edges: list[dict[str, Value]]
    sectors: dict[int, Sector]
    """Each node's sector, by profile key."""


async def _public_profiles(reader: RequestReader, keys: Sequence[int]) -> dict[int, Any]:
    return {row.id: row for row in await reader.fetch_all(PUBLIC_PROFILES, keys=list(keys))}


async def _table(reader: RequestReader) -> Table:
    network = analyse(await collaboration(reader, NetworkFilter()))
    profiles = await _public_profiles(reader, [node.profile_id for node in network.nodes])
    nodes: list[dict[str, Value]] = []
    for node in network.nodes:
        profile = profiles[node.profile_id]
        nodes.append(
            {
                "id": to_global_id("Profile", node.profile_id),
                "label": profile.display_name,
                "kind": profile.kind.value,
                "organisation_name": profile.organisation_name or "",
                "sector": profile.sector.value,
                "region": "" if profile.region is None else profile.region.value,
                "degree": node.degree,
                "strength": node.strength,
                "betweenness": node.betweenness,
                "community": node.community,
            }
        )
    edges: list[dict[str, Value]] = [
        {
            "source": to_global_id("Profile", edge.a),
            "target": to_global_id("Profile", edge.b),
            "weight": edge.weight,
            "teams": edge.teams,
            "invites": edge.invites,
            "submissions": edge.submissions,
        }
        for edge in network.edges
    ]
    sectors = {key: profile.sector for key, profile in profiles.items()}
    return Table(network, nodes, edges, sectors)


def _graph(table: Table) -> nx.Graph:
    """The network with global IDs as node keys, as Gephi and networkx expect of a file."""
    graph = nx.Graph()
    for node in table.nodes:
        graph.add_node(node["id"], **{name: value for name, value in node.items() if name != "id"})
    for edge in table.edges:
        graph.add_edge(
            edge["source"],
            edge["target"],
            **{name: value for name, value in edge.items() if name not in ("source", "target")},
        )
    return graph


def _write_csv(path: Path, columns: Sequence[str], rows: list[dict[str, Value]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


async def export_network(database: Database, fmt: ExportFormat, out: Path | None = None) -> str:
    """Writes the whole partner network as a GraphML or GEXF file, or a directory of nodes.csv and
    edges.csv; returns the line that tells the analyst what was written where."""
    reader = database.request_reader()
    try:
        table = await _table(reader)
    finally:
        await reader.close()
    out = DEFAULT_EXPORT_PATHS[fmt] if out is None else out
    _write_export(table, fmt, out)
    return f"wrote {len(table.nodes)} nodes and {len(table.edges)} edges to {out}"


def _write_export(table: Table, fmt: ExportFormat, out: Path) -> None:
    if fmt is ExportFormat.CSV:
        out.mkdir(parents=True, exist_ok=True)
        _write_csv(out / "nodes.csv", NODE_COLUMNS, table.nodes)
        _write_csv(out / "edges.csv", EDGE_COLUMNS, table.edges)
    elif fmt is ExportFormat.GEXF:
        nx.write_gexf(_graph(table), out)
    else:
        nx.write_graphml(_graph(table), out)


def _nothing(axes: Axes, message: str) -> None:
    """An empty platform still gets a readable plot rather than blank axes."""
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_axis_off()


def _sector_mix(stats: NetworkStats) -> Figure:
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    sectors = list(Sector)
    axes.bar([sector.value for sector in sectors], [stats.by_sector.get(sector, 0) for sector in sectors])
    axes.set_ylabel("profiles")
    axes.set_title("Profiles per sector")
    axes.tick_params(axis="x", labelrotation=45)
    for label in axes.get_xticklabels():
        label.set_horizontalalignment("right")
    return figure


def _skills(stats: NetworkStats, names: dict[int, str]) -> Figure:
    balances = sorted(stats.skills, key=lambda balance: (-balance.gap, names[balance.skill_id]))
    figure = Figure(figsize=(8, max(3.0, 1.5 + 0.3 * len(balances))), layout="constrained")
    axes = figure.add_subplot()
    if not balances:
        _nothing(axes, "No profile offers or seeks a skill yet.")
        return figure
    rows = np.arange(len(balances))
    height = 0.4
    axes.barh(rows - height / 2, [b.offered for b in balances], height, label="offered")
    axes.barh(rows + height / 2, [b.sought for b in balances], height, label="sought")
    axes.set_yticks(rows, [names[b.skill_id] for b in balances])
    axes.invert_yaxis()
    axes.set_xlabel("profiles")
    axes.set_title("Skill supply and demand, scarcest first")
    axes.legend()
    return figure


def _sector_matrix(table: Table) -> Figure:
    sectors = list(Sector)
    place = {sector: number for number, sector in enumerate(sectors)}
    counts = np.zeros((len(sectors), len(sectors)), dtype=int)
    for edge in table.network.edges:
        one, two = place[table.sectors[edge.a]], place[table.sectors[edge.b]]
        counts[one, two] += 1
        if one != two:
            counts[two, one] += 1
    figure = Figure(figsize=(8, 7), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(counts, cmap="Blues")
    names = [sector.value for sector in sectors]
    axes.set_xticks(range(len(sectors)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(sectors)), names)
    middle = counts.max() / 2
    for (row, column), count in np.ndenumerate(counts):
        if count:
            colour = "white" if count > middle else "black"
            axes.text(column, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    axes.set_title("Collaborating pairs by sector")
    figure.colorbar(image, ax=axes, label="pairs")
    return figure


def _drawing(network: Network) -> Figure:
    figure = Figure(figsize=(9, 9), layout="constrained")
    axes = figure.add_subplot()
    if not network.nodes:
        _nothing(axes, "Nobody has worked together yet.")
        return figure
    ranked = sorted(network.nodes, key=lambda node: (-node.degree, node.profile_id))[:DRAWN_NODES]
    graph = network.graph.subgraph(node.profile_id for node in ranked)
    keys = sorted(graph.nodes)
    community = {node.profile_id: node.community for node in ranked}
    degree = {node.profile_id: node.degree for node in ranked}
    positions = nx.spring_layout(graph, seed=SEED)
    nx.draw_networkx_edges(graph, positions, ax=axes, alpha=0.25, width=0.6)
    nx.draw_networkx_nodes(
        graph,
        positions,
        nodelist=keys,
        ax=axes,
        node_size=[20 + 10 * degree[key] for key in keys],
        node_color=[community[key] % 20 for key in keys],
        cmap="tab20",
        vmin=0,
        vmax=19,
    )
    shown = "" if len(ranked) == len(network.nodes) else f" ({len(ranked)} best connected)"
    axes.set_title(f"Partner network{shown}, coloured by community")
    axes.set_axis_off()
    return figure


@dataclass(frozen=True, slots=True)
class Plot:
    file: str
    caption: str
    figure: Figure


def _page(stats: NetworkStats, table: Table, plots: list[Plot], generated: datetime) -> str:
    figures = [
        ("Profiles", f"{sum(stats.by_sector.values()):,}"),
        ("Collaborating pairs (edges)", f"{stats.edges:,}"),
        ("Cross-sector share of edges", f"{stats.cross_sector_share:.1%}"),
        ("Communities", f"{table.network.communities:,}"),
    ]
    rows = "\n".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>" for name, value in figures
    )
    images = "\n".join(
        f'<figure><img src="{html.escape(plot.file)}" alt="{html.escape(plot.caption)}">'
        f"<figcaption>{html.escape(plot.caption)}</figcaption></figure>"
        for plot in plots
    )
    title = "CIP partner network report"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.8rem; text-align: left; }}
td {{ text-align: right; }}
img {{ max-width: 100%; }}
figure {{ margin: 2rem 0; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>Generated {html.escape(generated.strftime("%Y-%m-%d %H:%M UTC"))}.</p>
<table>
{rows}
</table>
{images}
</body>
</html>
"""


async def write_report(database: Database, out_dir: Path) -> Path:
    """Writes index.html and its four plots into `out_dir`; returns the page's path."""
    matplotlib.use("Agg")  # networkx draws through pyplot, which must not look for a display
    reader = database.request_reader()
    try:
        stats = await network_stats(reader)
        table = await _table(reader)
        skill_ids = [balance.skill_id for balance in stats.skills]
        names = {row.id: row.name for row in await reader.fetch_all(SKILL_NAMES, keys=skill_ids)}
    finally:
        await reader.close()
    plots = [
        Plot("sector-mix.png", "Profiles per sector.", _sector_mix(stats)),
        Plot(
            "skills.png",
            "Skill supply and demand: how many profiles offer and seek each skill, largest gap first.",
            _skills(stats, names),
        ),
        Plot(
            "sector-matrix.png",
            "Cross-sector collaboration: pairs of profiles who worked together, by their sectors.",
            _sector_matrix(table),
        ),
        Plot(
            "network.png",
            f"The partner network (at most the {DRAWN_NODES} best connected profiles), "
            "coloured by Louvain community.",
            _drawing(table.network),
        ),
    ]
    return _write_page(out_dir, _page(stats, table, plots, datetime.now(UTC)), plots)


def _write_page(out_dir: Path, page: str, plots: list[Plot]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for plot in plots:
        plot.figure.savefig(out_dir / plot.file, dpi=100)
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
