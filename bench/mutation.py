"""Mutation testing of the cores: generated mutants (cosmic-ray's operators), or planted bugs.

    python bench/mutation.py [--module NAME] [--pg-url URL]   generated mutants, per module
    python bench/mutation.py --planted [--only PREFIX]          the hand-written planted bugs
    python bench/mutation.py --list                             the modules and their tests

Generated mode: for each module of MODULES, cosmic-ray's mutation operators (a reduced set,
one realistic alternative each: `<` for `<=`, `and` for `or`, `not` added or dropped, a
number off by one, a decorator removed, a loop that never runs, an except clause that no
longer matches...) give every mutant of the module's code (type annotations and lines
marked `# pragma: no mutate` left alone). Each mutant is written into a copy of the tree
(the worktree is never touched) and only the module's tests that run the mutated line
(recorded by a first, unmutated run: bench/mutation_lines.py) run there (`-x`: the first
failure kills it); a mutant at module level runs all the module's tests, one in a function
no test runs survives without a run. Code run only in another process (live nodes) is not
seen: `--full` runs every mutant against all the module's tests. The test database is kept
in a file between runs (`--reuse-db`), so a mutant costs one pytest start and its tests.
A mutant that does not compile (pytest fails to collect) counts as killed. It prints, per
module, mutants, killed, survived, timeouts (counted as killed) and the score, and lists
each survivor (file:line, the line before and after). Exit 1 if a module is under 90 %.

Planted mode: each mutant is one small realistic bug (a dropped field, `<` for `<=`, a
forgotten save, a missing filter) that issue 19 found unnoticed, kept so that weakening a
test that catches one shows up. Exit status 1 if any survived.

Not in CI (it runs the same tests hundreds of times). An equivalent mutant (one no test can
tell apart, e.g. a cache's size) is marked in the code with `# pragma: no mutate` and a
comment saying why. `--line N --tests FILE` re-runs the mutants of a few lines against the
tests written for them, a quick check before the next full run.

Scores reached (issue 19; `--module NAME`, SQLite, November 2026):
    module              mutants  first full run      after the new tests (survivors re-run)
    policy                   72  63/75  84.0 %       72/72 100 % (3 marked equivalent)
    audit-chain              14  12/14  85.7 %       14/14 100 % (1 line marked equivalent)
    registry-retention       16  16/16 100 %         -  (its new tests were in)
    exchange-outbox          13  13/13 100 %         -  (the sent_by/shared_by test was in)
    registry-sharing         13  10/13  76.9 %       13/13 100 %
    matching-compare         26  17/26  65.4 %       26/26 100 %
    exchange-sharing         41  19/41  46.3 %       39/39 100 % full run (2 marked equivalent:
                                 the default resync order; 41 -> 39 mutants)
    exchange-receive         64  46/64  71.9 %       64/64 100 % full run (new tests; key rotation,
                                 apply cost and the contract test added to its tests)
    audit-verify            101  65/101 64.4 %      68/68 100 % (26 survivors on lines marked
                                 equivalent, 101 -> 68 mutants: _at_text's shortcuts, the
                                 cache, defaults, utc_text; 10 killed by new tests: the
                                 progress callback, the except tuple, `ok`)
    exchange-worker         210  103/183 56.3 %      full run (December 1, 17 min, quiet
                                 (stopped at 183 of     machine): 170 mutants (40 on lines
                                 210 by a deadline:     marked: tunings, display cuts, the
                                 2 shared cores, about  read-ahead, SKIP LOCKED; the reconnect
                                 20 s a mutant)         loop rewritten), 165/170 97.1 %; its 5
                                                        survivors (the loop's idle wait, a
                                                        failed back-off, EPERM without /proc)
                                                        killed by new tests (`--line`: 5/5)
    For policy to matching-compare, "after" combines the full run with `--line/--tests`
    re-runs of the survivors (the next full run should confirm it); for exchange-sharing and
    exchange-receive it is one full run of the module with the new tests (November 30).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # the module, relative to the repository
    old: str  # exact text, found once in the module
    new: str
    tests: tuple[str, ...]


def _chain_field(field: str) -> Mutant:
    """The audit hash without one field: each must be covered (known answer, tamper test)."""
    value = f'f["{field}"]'
    text = {
        "at": '"at":{_text(at)},',
        "detail": '"detail":{detail},',
        "actor_user_id": f'"actor_user_id":{{_int_or_null({value})}},',
    }.get(field, f'"{field}":{{_text({value})}},')
    return Mutant(
        f"audit hash drops {field}",
        "liaison/audit/chain.py",
        text,
        "",
        ("tests/audit/test_tamper_every_column.py", "tests/audit/test_chain_format.py"),
    )


CHAIN_FIELDS = (
    "action",
    "actor_agency",
    "actor_user_id",
    "actor_username",
    "at",
    "changes_digest",
    "detail",
    "object_id",
    "object_type",
    "origin",
    "peer_node",
    "prev_hash",
    "purpose",
    "purpose_reference",
)
RECEIVE = ("tests/exchange/test_receive_rules.py",)
WORKER = (
    "tests/exchange/test_worker.py",
    "tests/exchange/test_worker_backoff.py",
    "tests/exchange/test_worker_receipts.py",
)
RETENTION = ("tests/registry/test_retention.py",)

MUTANTS: tuple[Mutant, ...] = (
    *(_chain_field(field) for field in CHAIN_FIELDS),
    Mutant(
        "verify skips the prev_hash link",
        "liaison/audit/verify.py",
        '    if entry["prev_hash"] != prev_hash:\n',
        "    if False:\n",
        ("tests/audit/test_tamper_every_column.py", "tests/audit/test_tamper.py"),
    ),
    Mutant(
        "a copy of another owner is overwritten",
        "liaison/records.py",
        "    if record is not None and record.owner_node != sender:\n",
        "    if False:\n",
        RECEIVE,
    ),
    Mutant(
        "tombstones ignored",
        "liaison/records.py",
        "    return withdrawn(body.owner, body.uid, body.version)\n",
        "    return False\n",
        RECEIVE,
    ),
    Mutant(
        "an equal version replaces the copy",
        "liaison/records.py",
        "record.version >= body.version",
        "record.version > body.version",
        RECEIVE,
    ),
    Mutant(
        "a tombstone keeps the latest version, not the highest",
        "liaison/exchange/sharing.py",
        "    if tomb.version < version:\n",
        "    if tomb.version != version:\n",
        RECEIVE,
    ),
    Mutant(
        "an upsert at the withdrawn version revives",
        "liaison/exchange/sharing.py",
        "version__gte=version",
        "version__gt=version",
        RECEIVE,
    ),
    Mutant(
        "tombstones looked up by uid only",
        "liaison/exchange/sharing.py",
        "Tombstone.objects.filter(owner_node=owner, object_uid=uid)",
        "Tombstone.objects.filter(object_uid=uid)",
        RECEIVE,
    ),
    Mutant(
        "a sender may name another owner",
        "liaison/exchange/sharing.py",
        "    if owner != sender:\n",
        "    if False:\n",
        RECEIVE,
    ),
    Mutant(
        "backoff uncapped",
        "liaison/exchange/worker.py",
        "delay = min(float(backoff_cap_seconds()), base * 2.0 ** max(failures - 1, 0))",
        "delay = base * 2.0 ** max(failures - 1, 0)",
        WORKER,
    ),
    Mutant(
        "backoff does not grow",
        "liaison/exchange/worker.py",
        "base * 2.0 ** max(failures - 1, 0)",
        "base * 2.0 ** 0",
        WORKER,
    ),
    Mutant(
        "failures not counted",
        "liaison/exchange/worker.py",
        "    failures = peer.failures + 1\n",
        "    failures = 1\n",
        WORKER,
    ),
    Mutant(
        "the failure count's delay is not used",
        "liaison/exchange/worker.py",
        "    delay = backoff(failures)\n",
        "    delay = backoff(1)\n",
        WORKER,
    ),
    Mutant(
        "delivery goes on after a failed batch",
        "liaison/exchange/worker.py",
        "                if not deliver_batch(conn, batch, peer, key, queue):\n"
        "                    return\n",
        "                deliver_batch(conn, batch, peer, key, queue)\n",
        WORKER,
    ),
    Mutant(
        "a rejection is retried",
        "liaison/exchange/worker.py",
        "state=OutboxState.REJECTED if rejected else OutboxState.DELIVERED,",
        "state=OutboxState.PENDING if rejected else OutboxState.DELIVERED,",
        WORKER,
    ),
    Mutant(
        "a bad receipt mid-batch is skipped",
        "liaison/exchange/worker.py",
        "        except TransportError as error:\n            return done, error\n"
        "    if len(done) < len(batch):",
        "        except TransportError as error:\n            continue\n"
        "    if len(done) < len(batch):",
        WORKER,
    ),
    Mutant(
        "records expire on their review date",
        "liaison/registry/actions.py",
        "owner_node=settings.NODE_ID, review_date__lt=today",
        "owner_node=settings.NODE_ID, review_date__lte=today",
        RETENTION,
    ),
    Mutant(
        "expiry does not tell partners",
        "liaison/registry/actions.py",
        '        share.withdraw(record, object_type, reason="retention period expired")\n',
        "        pass\n",
        RETENTION,
    ),
    Mutant(
        "expiry erases partners' copies",
        "liaison/registry/actions.py",
        "owner_node=settings.NODE_ID, review_date__lt=today",
        "review_date__lt=today",
        RETENTION,
    ),
    Mutant(
        "an extended review date is not saved",
        "liaison/registry/actions.py",
        "    record.save(update_fields=fields)\n    share.push_update(record, object_type)\n",
        "    share.push_update(record, object_type)\n",
        RETENTION,
    ),
    Mutant(
        "review-records --dry-run erases",
        "liaison/registry/management/commands/review-records.py",
        '        if options["dry_run"]:\n            return\n',
        "",
        RETENTION,
    ),
    Mutant(
        "the notice import matches partners' copies",
        "liaison/registry/notices.py",
        "Person.objects.filter(owner_node=settings.NODE_ID, external_ref=notice.entity_id)",
        "Person.objects.filter(external_ref=notice.entity_id)",
        ("tests/registry/test_notices_partner_copy.py",),
    ),
    Mutant(
        "API tokens hashed differently",
        "liaison/accounts/tokens.py",
        'return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()',
        'return hashlib.sha256(raw_token.lower().encode("utf-8")).hexdigest()',
        ("tests/accounts/test_api.py",),
    ),
)


@dataclass(frozen=True)
class Module:
    """A core module, generated mutants over it, and the tests that pin it."""

    name: str  # for --module
    path: str
    tests: tuple[str, ...]  # fastest and most telling first: `-x` stops at the first failure
    functions: tuple[str, ...] = ()  # only mutate inside these (empty: the whole module)


AUDIT = (
    "tests/audit/test_chain_format.py",
    "tests/audit/test_tamper_every_column.py",
    "tests/audit/test_tamper.py",
    "tests/audit/test_log_event.py",
)
MODULES: tuple[Module, ...] = (
    Module(
        "policy",
        "liaison/policy.py",
        (
            "tests/registry/test_policy.py",
            "tests/registry/test_restrict_lineage.py",
            "tests/registry/test_child_handling.py",
            "tests/test_permission_matrix.py",
            "tests/registry/test_sensitive_changes.py",  # denial(): a refusal the action decides
        ),
    ),
    Module("audit-chain", "liaison/audit/chain.py", AUDIT[:2]),
    Module("audit-verify", "liaison/audit/verify.py", AUDIT),
    Module(
        "exchange-outbox", "liaison/exchange/outbox.py", (*WORKER, "tests/exchange/test_share.py")
    ),
    Module(
        "exchange-receive",
        "liaison/exchange/receive.py",
        (
            *RECEIVE,
            "tests/exchange/test_receive_edges.py",
            "tests/exchange/test_protocol.py",
            "tests/exchange/test_hostile.py",
            "tests/exchange/test_batches.py",
            "tests/exchange/test_apply_cost.py",  # the read-ahead
            "tests/exchange/test_sharing_contract.py",  # registration (read-ahead)
            "tests/exchange/test_key_rotation.py",  # a key announcement's own check
        ),
    ),
    Module(
        "exchange-sharing",
        "liaison/exchange/sharing.py",
        (*RECEIVE, "tests/exchange/test_sharing_contract.py", "tests/exchange/test_share.py"),
    ),
    Module(
        "exchange-worker",
        "liaison/exchange/worker.py",
        (*WORKER, "tests/exchange/test_worker_loop.py"),  # its loop, leases, byte limits
    ),
    Module(
        "registry-retention",
        "liaison/registry/actions.py",
        (*RETENTION, "tests/registry/test_sensitive_changes.py"),
        (
            "default_review_date",
            "_check_review_date_ahead",
            "_initial_review_date",
            "extend_review",
            "erase_expired_records",
        ),
    ),
    Module(
        "registry-sharing",
        "liaison/registry/sharing/share.py",
        (
            "tests/exchange/test_share.py",
            *RECEIVE,
            "tests/registry/test_hit_follow_up.py",
            "tests/registry/test_share_status.py",
        ),
    ),
    Module(
        "matching-compare",
        "liaison/matching/compare.py",
        ("tests/matching/test_dates_and_compare.py", "tests/matching/test_name_cases.py"),
    ),
)

# One realistic alternative per operator (not all of cosmic-ray's pairs: `+` for `<<` is
# noise), in the spirit of review-time mutants: boundaries, negations, off-by-one.
OPERATORS = (
    "core/ReplaceBinaryOperator_Add_Sub",
    "core/ReplaceBinaryOperator_Sub_Add",
    "core/ReplaceBinaryOperator_Mul_Div",
    "core/ReplaceBinaryOperator_Div_Mul",
    "core/ReplaceBinaryOperator_FloorDiv_Mul",
    "core/ReplaceBinaryOperator_Mod_FloorDiv",
    "core/ReplaceBinaryOperator_Pow_Mul",
    "core/ReplaceBinaryOperator_BitOr_BitAnd",  # Q objects: `|` for `&`
    "core/ReplaceBinaryOperator_BitAnd_BitOr",
    "core/ReplaceComparisonOperator_Eq_NotEq",
    "core/ReplaceComparisonOperator_NotEq_Eq",
    "core/ReplaceComparisonOperator_Lt_LtE",
    "core/ReplaceComparisonOperator_LtE_Lt",
    "core/ReplaceComparisonOperator_Gt_GtE",
    "core/ReplaceComparisonOperator_GtE_Gt",
    "core/ReplaceComparisonOperator_Is_IsNot",
    "core/ReplaceComparisonOperator_IsNot_Is",
    "core/ReplaceUnaryOperator_Delete_Not",
    "core/ReplaceUnaryOperator_Delete_USub",
    "core/AddNot",
    "core/ReplaceTrueWithFalse",
    "core/ReplaceFalseWithTrue",
    "core/ReplaceAndWithOr",
    "core/ReplaceOrWithAnd",
    "core/ReplaceBreakWithContinue",
    "core/ReplaceContinueWithBreak",
    "core/ExceptionReplacer",
    "core/NumberReplacer",
    "core/RemoveDecorator",
    "core/ZeroIterationForLoop",
)
PRAGMA = "# pragma: no mutate"
STAR_PARENTS = {
    "parameters",
    "typedargslist",
    "lambdef",
    "varargslist",
    "argument",
    "arglist",
    "star_expr",
    "trailer",
}
TARGET = 90.0


@dataclass(frozen=True)
class Generated:
    module: Module
    operator: str
    occurrence: int
    line: int
    before: str
    after: str
    code: str  # the whole mutated module


def _skipped_spans(source: str, functions: tuple[str, ...]) -> tuple[list, list]:
    """(annotation spans never mutated, spans of the functions to mutate; empty: all)."""
    import ast

    tree = ast.parse(source)
    annotations: list[tuple[tuple[int, int], tuple[int, int]]] = []
    wanted: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        found: list[ast.expr | ast.type_param | None] = []
        if isinstance(node, ast.arg):
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
            found.extend(node.type_params)  # `[**P, R]`: typing only
            if node.name in functions:
                wanted.append((node.lineno, node.end_lineno or node.lineno))
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.append(node.test)
        for ann in found:
            if ann is not None:
                annotations.append(
                    ((ann.lineno, ann.col_offset), (ann.end_lineno or 0, ann.end_col_offset or 0))
                )
    return annotations, wanted


def generate(module: Module) -> list[Generated]:
    """Every mutant of the module under OPERATORS, less annotations and pragma'd lines."""
    import cosmic_ray.plugins
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.mutating import MutationVisitor

    source = (ROOT / module.path).read_text()
    lines = source.splitlines()
    annotations, wanted = _skipped_spans(source, module.functions)
    nodes = list(ast_nodes(get_ast(source)))
    mutants = []
    for name in OPERATORS:
        operator = cosmic_ray.plugins.get_operator(name)()
        positions = [(n, pos) for n in nodes for pos in operator.mutation_positions(n)]
        for occurrence, (node, (start, _end)) in enumerate(positions):
            line = start[0]
            if node.parent is not None and node.parent.type in STAR_PARENTS:
                continue  # `*` or `**` of a signature or a call, not arithmetic
            if PRAGMA in lines[line - 1]:
                continue
            if any(a <= start < b for a, b in annotations):
                continue
            if module.functions and not any(a <= line <= b for a, b in wanted):
                continue
            try:
                code = MutationVisitor.mutate_code(source, operator, occurrence)
            except AttributeError:  # cosmic-ray cannot rewrite `except (A, B)`
                continue
            if code is None or code == source:
                continue
            if "CosmicRayTestingException" in code:  # an except clause that matches nothing
                code += "\n\nclass CosmicRayTestingException(Exception):\n    pass\n"
            changed = code.splitlines()
            before, after = _changed_line(lines, changed, line)
            mutants.append(Generated(module, name, occurrence, line, before, after, code))
    return mutants


def _changed_line(old: list[str], new: list[str], line: int) -> tuple[str, str]:
    import difflib

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag != "equal":
            return " / ".join(s.strip() for s in old[i1:i2]), " / ".join(
                s.strip() for s in new[j1:j2]
            )
    return old[line - 1].strip(), ""


def _pytest(tree: Path, tests: tuple[str, ...], env: dict[str, str], timeout: float, *extra: str):
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *extra]
    return subprocess.run(
        [*command, *tests],
        cwd=tree,  # the copy's liaison/ comes first on sys.path
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def _function_bodies(source: str) -> list[tuple[int, int]]:
    import ast

    return [
        (node.body[0].lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def run_generated(
    module: Module, tree: Path, env: dict[str, str], full: bool, only_lines: list[int]
) -> tuple[int, int, list[tuple[Generated, str]]]:
    """(killed, timeouts, survivors with why) of the module's generated mutants.

    The baseline run records which test runs which line (bench/mutation_lines.py); each
    mutant then runs only the tests that run its line. A mutant in a function body that no
    test runs survives without a run ("no test runs it"); one at module level (a constant,
    a default, a decorator) runs all the module's tests. `full`: every mutant, all tests.
    """
    mutants = [m for m in generate(module) if not only_lines or m.line in only_lines]
    lines_json = tree.parent / f"{module.name}.lines.json"
    mapped = {
        **env,
        "PYTHONPATH": str(tree / "bench"),
        "MUTATION_LINES_TARGET": str(tree / module.path),
        "MUTATION_LINES_OUT": str(lines_json),
    }
    started = time.monotonic()
    baseline = _pytest(tree, module.tests, mapped, 3600, "--create-db", "-p", "mutation_lines")
    took = time.monotonic() - started
    if baseline.returncode != 0:
        raise SystemExit(f"{module.name}: its tests fail unmutated\n{baseline.stdout[-3000:]}")
    by_test = json.loads(lines_json.read_text())
    print(f"{module.name}: {len(mutants)} mutants, baseline {took:.0f} s", flush=True)
    timeout = 3 * took + 30
    target = tree / module.path
    original = target.read_text()
    bodies = _function_bodies(original)
    killed = timeouts = 0
    survivors = []
    try:
        for number, mutant in enumerate(mutants, 1):
            tests = [t for t, lines in by_test.items() if mutant.line in lines]
            in_body = any(a <= mutant.line <= b for a, b in bodies)
            if full or not in_body:
                tests = list(module.tests)
            if not tests:
                status = "SURVIVED (no test runs it)"
            else:
                target.write_text(mutant.code)
                try:
                    result = _pytest(tree, tuple(tests), env, timeout, "--reuse-db")
                    status = "killed" if result.returncode != 0 else "SURVIVED"
                    if result.returncode not in (0, 1):
                        status = f"killed (pytest exit {result.returncode})"
                except subprocess.TimeoutExpired:
                    status = "timeout"
            if status == "timeout":
                timeouts += 1
            elif status.startswith("SURVIVED"):
                survivors.append((mutant, status[9:]))
            else:
                killed += 1
            print(
                f"  [{number}/{len(mutants)}] {status:8} {module.path}:{mutant.line}"
                f"  {mutant.before}  ->  {mutant.after}  ({len(tests)} tests)",
                flush=True,
            )
    finally:
        target.write_text(original)
    return killed, timeouts, survivors


def _copy_tree(target: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "mutants", "*.sqlite3")
    shutil.copytree(ROOT, target, ignore=ignore, dirs_exist_ok=True)


def run(mutant: Mutant, tree: Path, env: dict[str, str]) -> tuple[bool, str]:
    """Plant the bug in the copy, run its tests, restore. (killed, first failing test)."""
    module = tree / mutant.path
    original = module.read_text()
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the text to change is not found once in {mutant.path}")
    module.write_text(original.replace(mutant.old, mutant.new))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=tree,  # the copy's liaison/ comes first on sys.path
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        module.write_text(original)
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    if result.returncode not in (0, 1):
        raise SystemExit(f"{mutant.name}: pytest exited {result.returncode}\n{result.stdout}")
    return result.returncode == 1, failed[0].split(" ", 1)[1] if failed else ""


def planted(args: argparse.Namespace, env: dict[str, str]) -> int:
    mutants = [m for m in MUTANTS if m.name.startswith(args.only)]
    per_module: dict[str, list[tuple[Mutant, bool, str]]] = defaultdict(list)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="liaison-mutants-") as tmp:
        tree = Path(tmp)
        _copy_tree(tree)
        for mutant in mutants:
            killed, by = run(mutant, tree, env)
            per_module[mutant.path].append((mutant, killed, by))
            print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.name}  {by}", flush=True)
    print(f"\n{len(mutants)} mutants in {time.monotonic() - started:.0f} s")
    survivors = 0
    for path, results in sorted(per_module.items()):
        killed = sum(1 for _, k, _ in results if k)
        survivors += len(results) - killed
        print(f"{path:58} {killed:3}/{len(results):<3} {100 * killed / len(results):5.1f} %")
        for mutant, k, _ in results:
            if not k:
                print(f"    survived: {mutant.name}")
    return 1 if survivors else 0


def generated(args: argparse.Namespace, env: dict[str, str]) -> int:
    modules = [m for m in MODULES if not args.module or m.name in args.module]
    if args.tests:  # a quick check of a few survivors against the tests written for them
        modules = [replace(m, tests=tuple(args.tests)) for m in modules]
    if not modules:
        raise SystemExit(f"no module named {args.module}; --list shows them")
    rows = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="liaison-mutants-") as tmp:
        tree = Path(tmp) / "tree"
        _copy_tree(tree)
        # A test database in a file, created by each module's baseline run and then reused.
        env = {**env, "LIAISON_TEST_SQLITE": str(Path(tmp) / "test.sqlite3")}
        for module in modules:
            killed, timeouts, survivors = run_generated(module, tree, env, args.full, args.line)
            rows.append((module, killed, timeouts, survivors))
    print(f"\ngenerated mutants in {time.monotonic() - started:.0f} s")
    print(f"{'module':20} {'mutants':>7} {'killed':>6} {'survived':>8} {'timeout':>7} {'score':>7}")
    under = False
    for module, killed, timeouts, survivors in rows:
        total = killed + timeouts + len(survivors)
        score = 100 * (killed + timeouts) / total if total else 100.0
        under |= score < TARGET
        print(
            f"{module.name:20} {total:7} {killed:6} {len(survivors):8} {timeouts:7} {score:6.1f} %"
        )
        for mutant, why in survivors:
            where = f"{module.path}:{mutant.line}"
            print(f"    survived {where}  {mutant.before}  ->  {mutant.after}  {why}")
    return 1 if under else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--planted", action="store_true", help="The hand-written planted bugs.")
    parser.add_argument("--only", default="", help="Planted: the mutants whose name starts so.")
    parser.add_argument(
        "--module", action="append", default=[], help="Generated: only this module (repeatable)."
    )
    parser.add_argument(
        "--full", action="store_true", help="Generated: run all the module's tests per mutant."
    )
    parser.add_argument(
        "--line", action="append", type=int, default=[], help="Generated: only mutants there."
    )
    parser.add_argument(
        "--tests", action="append", default=[], help="Generated: these tests, not the module's."
    )
    parser.add_argument("--list", action="store_true", help="The modules, their tests, counts.")
    parser.add_argument("--pg-url", default="", help="Run the tests on this PostgreSQL URL.")
    args = parser.parse_args()
    if args.list:
        for module in MODULES:
            print(f"{module.name:20} {module.path:34} {len(generate(module)):4} mutants")
            print(f"{'':20} tests: {' '.join(module.tests)}")
        return 0
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if args.pg_url:
        env["DATABASE_URL"] = args.pg_url
    return planted(args, env) if args.planted else generated(args, env)


if __name__ == "__main__":
    raise SystemExit(main())
