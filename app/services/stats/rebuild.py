"""The summary rows counted over from scratch, in the database (a fold that starts over).

Folding product by product (:mod:`app.services.stats.summary`) costs 0.3–1.1 ms of CPU
a product (SQLite–PostgreSQL, benchmarks/README.md): right for the few products an
edit marks, many minutes for a million after the upgrade or a changed vocabulary
flag. :func:`rebuild` writes the same rows with a few dozen statements instead (more
than 10× less CPU):

1. every mark is removed, then ``stats_facts`` is written in ONE statement from
   ``products``, ``product_terms``, ``product_communes``, ``files``, ``publications``
   and ``near_duplicates`` — one statement, so one snapshot even under PostgreSQL's
   READ COMMITTED (a change committed after the marks were removed keeps its own mark
   and is folded again, harmlessly, next time);
2. the cells are then counted from ``stats_facts`` alone (its term and commune lists
   split back into rows in temporary tables), one ``INSERT … SELECT … GROUP BY`` per
   breakdown. Nothing but the fold writes ``stats_facts`` and the caller holds the
   ``stats_state`` lock, so these statements all read the same facts. A product counts
   in its parts (0, and every part holding its lead unit or one of its communes); rather
   than repeat each product once per part, products are summed per *signature* (lead
   unit and communes: a catalogue has few) or per *part set* first, and those sums are
   spread over the parts — so the row work is about one pass over the products (and
   their terms) per breakdown, however many parts hold them.

The definitions are those of :mod:`app.services.stats.contributions` (``Fact``,
``vector``, ``cells_of``, ``parts_of``): a test holds the rows of a rebuild equal to
the per-product fold's on both engines. The one Python function is the month of an
undated product on SQLite (``created_at`` in the configured zone, as
:func:`~app.services.stats.contributions.month_of` computes it; PostgreSQL has the zone
rules itself).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.services.catalogue import near_duplicates
from app.services.stats.contributions import (COMMUNE, COMMUNE_ROLLED, KIND, NO_CHANNEL,
                                              NO_COMMUNE, NO_LANGUAGE, NO_THEME, TASK, TERM,
                                              TOTAL, UNCLASSIFIED, UNIT, month_of)
from app.services.stats.scope import Catalogue
from archive.stats import USAGE_BROADCASTS, USAGE_DOWNLOADS, USAGE_LOCK

_COUNTS = "total, digitised, ethnic_language, foreign_language, digital_platform, combined, online"
_TEMP = ("rb_terms", "rb_holders", "rb_rolled", "rb_sigs", "rb_sig_communes", "rb_sig_parts",
         "rb_sig_lists", "rb_psets", "rb_pset_parts", "rb_sigp", "rb_base", "rb_sm")


def _ids(values) -> str:
    """A literal SQL list of integer ids (``-1`` for none: no id is negative)."""
    return ", ".join(str(int(v)) for v in sorted(values)) or "-1"


def _repeats_sql(dialect: str) -> str:
    """The confirmed repeats (:func:`near_duplicates.repeated_products`), as SQL text."""
    compiler = postgresql.dialect() if dialect == "postgresql" else sqlite.dialect()
    return str(near_duplicates.repeats_statement().compile(
        dialect=compiler, compile_kwargs={"literal_binds": True}))


def _sqlite_month(tz: str):
    """yyyymm of an undated product's ``created_at`` (SQLite text, UTC) in ``tz``."""
    def month(created_at: Optional[str]) -> Optional[int]:
        if not created_at:
            return None
        return month_of(None, datetime.fromisoformat(created_at), tz)
    return month


def _facts_sql(dialect: str, tz: str) -> str:
    """One statement writing every product's ``stats_facts`` row."""
    if dialect == "postgresql":
        month = ("CASE WHEN p.produced_on IS NOT NULL "
                 "THEN (EXTRACT(YEAR FROM p.produced_on) * 100 "
                 "+ EXTRACT(MONTH FROM p.produced_on))::int "
                 "ELSE (EXTRACT(YEAR FROM timezone(:tz, p.created_at)) * 100 "
                 "+ EXTRACT(MONTH FROM timezone(:tz, p.created_at)))::int END")
        terms = ("LEFT JOIN (SELECT product_id, string_agg(term_id::text, ',' ORDER BY term_id) "
                 "AS ids FROM product_terms GROUP BY product_id) t ON t.product_id = p.id")
        communes = ("LEFT JOIN (SELECT product_id, string_agg(unit_id::text, ',' ORDER BY unit_id) "
                    "AS ids FROM product_communes GROUP BY product_id) c ON c.product_id = p.id")
        term_ids, commune_ids = "t.ids", "c.ids"
    else:
        month = ("CASE WHEN p.produced_on IS NOT NULL "
                 "THEN CAST(strftime('%Y%m', p.produced_on) AS INTEGER) "
                 "ELSE kho_stats_month(p.created_at) END")
        terms = communes = ""
        # an aggregate over an ordered subquery concatenates in that order
        term_ids = ("(SELECT group_concat(term_id, ',') FROM (SELECT term_id FROM product_terms "
                    "WHERE product_id = p.id ORDER BY term_id))")
        commune_ids = ("(SELECT group_concat(unit_id, ',') FROM (SELECT unit_id FROM "
                       "product_communes WHERE product_id = p.id ORDER BY unit_id))")
    return (
        "INSERT INTO stats_facts (product_id, month, lead_unit_id, kind_id, plan_task_id, "
        "digitised, online, counted, terms, communes, unclassified, failed) "
        f"SELECT p.id, {month}, p.lead_unit_id, p.kind_id, p.plan_task_id, "
        "CASE WHEN EXISTS (SELECT 1 FROM files f WHERE f.product_id = p.id "
        "AND f.status = 'ready' AND f.sha256 <> '') THEN 1 ELSE 0 END, "
        "CASE WHEN EXISTS (SELECT 1 FROM publications pub WHERE pub.product_id = p.id "
        "AND pub.version_at >= p.updated_at) THEN 1 ELSE 0 END, "
        f"CASE WHEN p.id IN ({_repeats_sql(dialect)}) THEN 0 ELSE 1 END, "
        f"COALESCE({term_ids}, ''), COALESCE({commune_ids}, ''), "
        f"CASE WHEN {_has_term('language')} AND {_has_term('channel')} THEN 0 ELSE 1 END, "
        "(SELECT count(*) FROM files f WHERE f.product_id = p.id AND f.status = 'failed') "
        f"FROM products p {terms} {communes}")


def _has_term(vocabulary: str) -> str:
    """SQL: product ``p`` has a term of ``vocabulary`` (a fixed name, not user input)."""
    return ("EXISTS (SELECT 1 FROM product_terms pt JOIN terms t ON t.id = pt.term_id "
            f"WHERE pt.product_id = p.id AND t.vocabulary = '{vocabulary}')")


def _split(dialect: str, table: str, column: str) -> str:
    """FROM-clause items turning ``<table> f``'s ``column`` ("3,7") into rows ``x.id``."""
    if dialect == "postgresql":
        return (f"{table} f CROSS JOIN LATERAL "
                f"unnest(string_to_array(f.{column}, ',')::int[]) AS x(id)")
    return f"{table} f, json_each('[' || f.{column} || ']') AS x"


def _temp_tables(session: Session, dialect: str, cat: Catalogue,
                 holders: dict[int, frozenset[int]]) -> None:
    """What the cells are added up from, all read off ``stats_facts``:

    - ``rb_base``: each counted product's seven counts, "has a language / channel /
      theme" flags and its *signature* (lead unit and commune list): products of one
      signature count in the same parts, units and communes;
    - ``rb_terms``: (product, term) of the counted products;
    - ``rb_sigs``, ``rb_sig_communes``, ``rb_sig_parts``: each signature's lead unit,
      communes, and parts (0, and every part holding its lead unit or a commune);
    - ``rb_psets``, ``rb_pset_parts``: the distinct part sets of the signatures and
      their parts (``rb_sigp``: each signature's part set);
    - ``rb_sm``: the counts summed per signature and month (few rows: the breakdowns
      by unit and commune are read off them).
    """
    run = session.execute
    temp = "CREATE TEMPORARY TABLE"
    value = "x.id" if dialect == "postgresql" else "CAST(x.value AS INTEGER)"
    run(text(f"{temp} rb_terms AS SELECT f.product_id, {value} AS id FROM "
             f"{_split(dialect, 'stats_facts', 'terms')} WHERE f.counted = 1 AND f.terms <> ''"))
    run(text("CREATE INDEX ix_rb_terms ON rb_terms (product_id)"))
    run(text(f"{temp} rb_holders (unit_id INTEGER NOT NULL, part INTEGER NOT NULL)"))
    run(text(f"{temp} rb_rolled (unit_id INTEGER NOT NULL, id INTEGER NOT NULL)"))
    rows = [{"u": u, "p": p} for u, parts in holders.items() for p in parts]
    if rows:
        run(text("INSERT INTO rb_holders VALUES (:u, :p)"), rows)
    moved = [{"u": u, "c": c} for u, c in cat.current.items() if u != c]
    if moved:
        run(text("INSERT INTO rb_rolled VALUES (:u, :c)"), moved)

    def flag(name: str) -> str:
        return _ids(cat.term_ids("language" if name != "digital" else "channel", name))

    def has(vocabulary: str) -> str:
        return f"MAX(CASE WHEN id IN ({_ids(cat.term_ids(vocabulary))}) THEN 1 ELSE 0 END)"
    # signatures first, numbered: the groupings below sort integers, not lists
    run(text(f"{temp} rb_sigs AS SELECT row_number() OVER (ORDER BY lead, communes) AS sig, "
             "lead, NULLIF(lead, 0) AS lead_unit_id, communes FROM (SELECT DISTINCT "
             "COALESCE(lead_unit_id, 0) AS lead, communes FROM stats_facts "
             "WHERE counted = 1) d"))
    run(text("CREATE INDEX ix_rb_sigs ON rb_sigs (lead, communes)"))
    run(text(f"{temp} rb_sig_communes AS SELECT f.sig, {value} AS id FROM "
             f"{_split(dialect, 'rb_sigs', 'communes')} WHERE f.communes <> ''"))
    run(text(f"{temp} rb_sig_parts AS SELECT sig, 0 AS part FROM rb_sigs "
             "UNION SELECT s.sig, h.part FROM rb_sigs s "
             "JOIN rb_holders h ON h.unit_id = s.lead_unit_id "
             "UNION SELECT c.sig, h.part FROM rb_sig_communes c "
             "JOIN rb_holders h ON h.unit_id = c.id"))
    run(text("CREATE INDEX ix_rb_sig_parts ON rb_sig_parts (sig)"))
    # signatures of the same parts share a part set (a handful): the breakdowns that do
    # not name a unit or commune are summed per part set before they are spread
    listed = ("string_agg(part::text, ',' ORDER BY part)" if dialect == "postgresql"
              else "group_concat(part, ',')")      # any order: equal lists, equal sets
    run(text(f"{temp} rb_sig_lists AS SELECT sig, {listed} AS parts FROM "
             "(SELECT sig, part FROM rb_sig_parts ORDER BY sig, part) o GROUP BY sig"))
    run(text(f"{temp} rb_psets AS SELECT row_number() OVER (ORDER BY parts) AS pset, parts "
             "FROM (SELECT DISTINCT parts FROM rb_sig_lists) d"))
    run(text(f"{temp} rb_pset_parts AS SELECT f.pset, {value} AS part FROM "
             f"{_split(dialect, 'rb_psets', 'parts')}"))
    run(text("CREATE INDEX ix_rb_pset_parts ON rb_pset_parts (pset)"))
    run(text(f"{temp} rb_sigp AS SELECT l.sig, p.pset FROM rb_sig_lists l "
             "JOIN rb_psets p ON p.parts = l.parts"))
    run(text("CREATE INDEX ix_rb_sigp ON rb_sigp (sig)"))
    run(text(
        f"{temp} rb_base AS SELECT f.product_id, s.sig, sp.pset, f.month, f.kind_id, "
        "f.plan_task_id, 1 AS total, f.digitised, COALESCE(t.ethnic, 0) AS ethnic_language, "
        "COALESCE(t.foreign_, 0) AS foreign_language, COALESCE(t.digital, 0) AS digital_platform, "
        "CASE WHEN COALESCE(t.ethnic, 0) + COALESCE(t.foreign_, 0) + COALESCE(t.digital, 0) > 0 "
        "THEN 1 ELSE 0 END AS combined, f.online, COALESCE(t.language, 0) AS has_language, "
        "COALESCE(t.channel, 0) AS has_channel, COALESCE(t.theme, 0) AS has_theme "
        "FROM stats_facts f JOIN rb_sigs s ON s.lead = COALESCE(f.lead_unit_id, 0) "
        "AND s.communes = f.communes JOIN rb_sigp sp ON sp.sig = s.sig "
        "LEFT JOIN (SELECT product_id, "
        f"MAX(CASE WHEN id IN ({flag('ethnic')}) THEN 1 ELSE 0 END) AS ethnic, "
        f"MAX(CASE WHEN id IN ({flag('foreign')}) THEN 1 ELSE 0 END) AS foreign_, "
        f"MAX(CASE WHEN id IN ({flag('digital')}) THEN 1 ELSE 0 END) AS digital, "
        f"{has('language')} AS language, {has('channel')} AS channel, {has('theme')} AS theme "
        "FROM rb_terms GROUP BY product_id) t ON t.product_id = f.product_id "
        "WHERE f.counted = 1"))
    run(text("CREATE INDEX ix_rb_base ON rb_base (product_id)"))
    sums = ", ".join(f"SUM({c}) AS {c}" for c in _COUNTS.split(", "))
    run(text(f"{temp} rb_sm AS SELECT sig, month, {sums} FROM rb_base GROUP BY sig, month"))
    if dialect == "postgresql":        # temporary tables are never analysed on their own
        for table in _TEMP:
            run(text(f"ANALYZE {table}"))


def _cells(session: Session) -> None:
    """One grouped statement per breakdown (:func:`contributions.cells_of`): the
    counts summed per signature (breakdowns by unit or commune) or part set (the
    others), month and key, then spread over its parts and summed again."""
    def add(dim: int, key: str, source: str, where: str = "", by: str = "pset",
            grouped: bool = True) -> None:
        counts = ", ".join(f"SUM(b.{c}) AS {c}" if grouped else f"b.{c}"
                           for c in _COUNTS.split(", "))
        group = (f" GROUP BY b.{by}, b.month{'' if key == '0' else ', ' + key}"
                 if grouped else "")
        inner = (f"SELECT b.{by} AS owner, b.month, {key} AS key, {counts} FROM {source} "
                 f"{'WHERE ' + where if where else ''}{group}")
        spread = "rb_sig_parts sp ON sp.sig" if by == "sig" else "rb_pset_parts sp ON sp.pset"
        session.execute(text(
            f"INSERT INTO stats_cells (part, month, dim, key, {_COUNTS}) "
            f"SELECT sp.part, a.month, {dim}, a.key, "
            f"{', '.join(f'SUM(a.{c})' for c in _COUNTS.split(', '))} FROM ({inner}) a "
            f"JOIN {spread} = a.owner GROUP BY sp.part, a.month, a.key"))
    add(TOTAL, "0", "rb_sm b", by="sig", grouped=False)
    add(UNIT, "COALESCE(s.lead_unit_id, 0)", "rb_sm b JOIN rb_sigs s ON s.sig = b.sig",
        by="sig", grouped=False)
    add(NO_COMMUNE, "0", "rb_sm b JOIN rb_sigs s ON s.sig = b.sig", "s.communes = ''",
        by="sig", grouped=False)
    add(COMMUNE, "c.id", "rb_sm b JOIN rb_sig_communes c ON c.sig = b.sig", by="sig",
        grouped=False)
    add(COMMUNE_ROLLED, "r.id",
        "rb_sm b JOIN (SELECT DISTINCT c.sig, COALESCE(m.id, c.id) AS id "
        "FROM rb_sig_communes c LEFT JOIN rb_rolled m ON m.unit_id = c.id) r "
        "ON r.sig = b.sig", by="sig", grouped=False)
    add(KIND, "COALESCE(b.kind_id, 0)", "rb_base b")
    add(TASK, "COALESCE(b.plan_task_id, 0)", "rb_base b")
    add(NO_LANGUAGE, "0", "rb_base b", "b.has_language = 0")
    add(NO_CHANNEL, "0", "rb_base b", "b.has_channel = 0")
    add(NO_THEME, "0", "rb_base b", "b.has_theme = 0")
    add(UNCLASSIFIED, "0", "rb_base b", "b.has_language = 0 OR b.has_channel = 0")
    add(TERM, "t.id", "rb_base b JOIN rb_terms t ON t.product_id = b.product_id")


def _year_cells(session: Session) -> None:
    """``stats_year_cells`` summed from the month cells just written: per year, and
    over every month (year 0)."""
    sums = ", ".join(f"SUM({c})" for c in _COUNTS.split(", "))
    for year, group in (("month / 100", "part, month / 100, dim, key"),
                        ("0", "part, dim, key")):
        session.execute(text(
            f"INSERT INTO stats_year_cells (part, year, dim, key, {_COUNTS}) "
            f"SELECT part, {year}, dim, key, {sums} FROM stats_cells GROUP BY {group}"))


def rebuild(session: Session, cat: Catalogue, holders: dict[int, frozenset[int]],
            tz: str) -> None:
    """Replace every mark, fact and cell by a count of the catalogue as it is now, in
    ``session``'s transaction; the caller holds the ``stats_state`` lock (the fold's).
    ``cat`` and ``holders`` (unit id -> numbers of the parts holding it,
    :func:`app.services.access.unit_scope.territories`) must be read in the same
    transaction. Raises what the database raises (the transaction is then rolled back
    whole, temporary tables included)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.connection.driver_connection.create_function(
            "kho_stats_month", 1, _sqlite_month(tz), deterministic=True)
        for table in _TEMP:         # left by a failed rebuild on this connection
            session.execute(text(f"DROP TABLE IF EXISTS temp.{table}"))
    else:
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
    session.execute(text("DELETE FROM stats_dirty"))       # before the facts are read
    session.execute(text("DELETE FROM stats_cells"))
    session.execute(text("DELETE FROM stats_year_cells"))
    session.execute(text("DELETE FROM stats_facts"))
    session.execute(text(_facts_sql(dialect, tz)), {"tz": tz} if dialect == "postgresql" else {})
    _temp_tables(session, dialect, cat, holders)
    _cells(session)
    _year_cells(session)
    for table in _TEMP:
        session.execute(text(f"DROP TABLE {table}"))
    if dialect == "postgresql":
        # every row was replaced: the planner's statistics of the old ones (or none,
        # after an upgrade) would walk the to-do lists' index as if it were empty
        session.execute(text("ANALYZE stats_facts, stats_cells, stats_year_cells"))


def recount_usage(session: Session) -> int:
    """Recount ``stats_usage_cells`` from ``broadcasts`` (airings in force) and
    ``download_records``, in ``session``'s transaction; the number of cells written.
    On PostgreSQL it first takes the advisory lock every trigger writing these cells
    takes (:data:`archive.stats.USAGE_LOCK`, migration 0025): writers already holding
    it commit first, later ones wait and add their rows after this count (their rows
    are not in it: uncommitted when it reads). SQLite has one writer at a time."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": USAGE_LOCK})

    def month(day: str) -> str:
        if dialect == "postgresql":
            return f"(EXTRACT(YEAR FROM {day}) * 100 + EXTRACT(MONTH FROM {day}))::int"
        return f"CAST(strftime('%Y%m', {day}) AS INTEGER)"
    session.execute(text("DELETE FROM stats_usage_cells"))
    for kind, table, day, where in ((USAGE_BROADCASTS, "broadcasts", "aired_on",
                                     "WHERE withdrawn_at IS NULL"),
                                    (USAGE_DOWNLOADS, "download_records", "day", "")):
        session.execute(text(
            "INSERT INTO stats_usage_cells (kind, month, commune_id, count) "
            f"SELECT {kind}, {month(day)}, COALESCE(commune_id, 0), count(*) FROM {table} "
            f"{where} GROUP BY {month(day)}, COALESCE(commune_id, 0)"))
    return session.execute(text("SELECT count(*) FROM stats_usage_cells")).scalar_one()
