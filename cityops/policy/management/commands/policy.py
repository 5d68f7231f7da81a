"""``cityops policy <subcommand>``: policies as rules from the command line.

- ``check FILE...``: parse and validate rule texts (YAML); every problem with its file, line
  and field, in English and Chinese; exit code 2 when a file has a problem.
- ``match --enterprises FILE --out FILE [--policies DIR] [--as-of DATE]``: match a registry
  file (CSV, Excel or Parquet) against the policies of DIR (YAML files; default: the policies
  in force in the database) with the columnar engine, a progress bar on standard error, and
  write the pairs (row, uscc, policy_id, benefit_wan) to a Parquet file.
- ``explain --policy DOC_NUMBER|FILE --uscc CODE [--enterprises FILE]``: each condition of the
  policy with the enterprise's value and the outcome, in Chinese (or ``--lang en``); the
  enterprise comes from the database registry, or from ``--enterprises FILE``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from cityops.policy.engine import BitsetEngine, compile_policies, explain_text, in_force
from cityops.policy.engine.errors import PolicyError, PolicyValidationError
from cityops.policy.engine.language import policy_parse, policy_problems
from cityops.policy.engine.registry import registry_import

EXIT_BAD_INPUT = 2
CHUNKS = 20  # the progress bar advances per slice of the policies
SHOWN_ROWS = 20  # rejected registry rows printed before "and N more"


def _fail(message: str):
    raise CommandError(message, returncode=EXIT_BAD_INPUT)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        _fail(f"cannot read {path}: {reason} / 无法读取 {path}：{reason}")


def _date(value: str | None, name: str) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{name}: {value!r} is not a date (YYYY-MM-DD) / {name}：{value!r} 不是日期"
              "（YYYY-MM-DD）")


def _problem_lines(path: str, problems) -> list[str]:
    out = []
    for p in problems:
        out.append(f"{path}: {p.text('en')}")
        out.append(f"{path}：{p.text('zh')}")
    return out


class Command(BaseCommand):
    help = "Policies as rules: 'check FILE', 'match --enterprises FILE --out FILE', 'explain'."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        check = sub.add_parser("check", help="validate policy rule texts (YAML)",
                               description="Parse and validate policy files; exit code 2 with "
                                           "every problem and its line when one is invalid.")
        check.add_argument("files", nargs="+", metavar="FILE")
        match = sub.add_parser("match", help="match a registry file against policies",
                               description="Match every enterprise of a registry file against "
                                           "the policies in force and write the pairs to a "
                                           "Parquet file.")
        match.add_argument("--enterprises", required=True, metavar="FILE",
                           help="registry file: .csv, .xlsx or .parquet")
        match.add_argument("--out", required=True, metavar="FILE", help="Parquet file to write")
        match.add_argument("--policies", metavar="DIR",
                           help="directory of policy YAML files (default: the policies in "
                                "force in the database)")
        match.add_argument("--as-of", metavar="DATE", help="match date (default: today)")
        explain = sub.add_parser("explain", help="explain one policy for one enterprise")
        explain.add_argument("--policy", required=True, metavar="DOC_NUMBER|FILE")
        explain.add_argument("--uscc", required=True, metavar="CODE")
        explain.add_argument("--enterprises", metavar="FILE",
                             help="registry file to take the enterprise from (default: the "
                                  "database registry)")
        explain.add_argument("--as-of", metavar="DATE")
        explain.add_argument("--lang", choices=("zh", "en"), default="zh")

    def handle(self, *args, subcommand, **options):
        if subcommand == "check":
            return self.check_files(options["files"])
        if subcommand == "match":
            return self.match_files(options)
        return self.explain_one(options)

    # -- check -----------------------------------------------------------------------------

    def check_files(self, files: list[str]) -> None:
        failed = []
        for path in files:
            problems = policy_problems(_read(path))
            if problems:
                failed.extend(_problem_lines(path, problems))
                continue
            policy = policy_parse(_read(path), source=path)
            self.stdout.write(f"{path}: OK — {policy.doc_number} {policy.title}")
        if failed:
            _fail("\n".join(failed))

    # -- match -----------------------------------------------------------------------------

    def _policies_from(self, directory: str | None, as_of: dt.date) -> list:
        if directory is None:
            from cityops.policy import selectors

            return [selectors.rule_policy(p) for p in selectors.policies_in_effect(as_of)]
        folder = Path(directory)
        if not folder.is_dir():
            _fail(f"--policies: {directory} is not a directory / --policies：{directory} "
                  "不是目录")
        files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        if not files:
            _fail(f"--policies: no .yaml file in {directory} / --policies：{directory} "
                  "中没有 .yaml 文件")
        parsed, problems = [], []
        for path in files:
            try:
                parsed.append(policy_parse(_read(str(path)), source=str(path)))
            except PolicyValidationError as e:
                problems.extend(_problem_lines(str(path), e.problems))
        if problems:
            _fail("\n".join(problems))
        ids = [p.id for p in parsed]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            _fail(f"--policies: policy id(s) used twice: {', '.join(twice)} / 政策编号重复："
                  f"{'、'.join(twice)}")
        return in_force(parsed, as_of)

    def _registry(self, path: str) -> pl.DataFrame:
        try:
            imported = registry_import(path)
        except PolicyError as e:
            _fail(f"--enterprises: {path}: {e.en} / {e.zh}")
        except Exception as e:  # a damaged file (zip, Excel, Parquet)
            _fail(f"--enterprises: cannot read {path}: {type(e).__name__}: {e} / 无法读取 {path}")
        if not imported.ok:
            lines = [f"--enterprises: {path}: {len(imported.rejected_rows)} row(s) are not "
                     f"valid / {len(imported.rejected_rows)} 行数据无效:"]
            for r in imported.rejected[:SHOWN_ROWS]:
                lines.append(f"  row {r.row}, {r.field} ({r.value}): {r.en} / 第 {r.row} 行，"
                             f"{r.field}：{r.zh}")
            if len(imported.rejected) > SHOWN_ROWS:
                lines.append(f"  … and {len(imported.rejected) - SHOWN_ROWS} more / 另有 "
                             f"{len(imported.rejected) - SHOWN_ROWS} 项")
            _fail("\n".join(lines))
        return imported.frame

    def match_files(self, options) -> None:
        t0 = time.perf_counter()
        as_of = _date(options.get("as_of"), "--as-of")
        out = Path(options["out"])
        if out.suffix.lower() != ".parquet":
            _fail(f"--out: {out} must be a .parquet file / --out：{out} 应为 .parquet 文件")
        if not out.parent.exists():
            _fail(f"--out: the folder {out.parent} does not exist / --out：目录 {out.parent} "
                  "不存在")
        registry = self._registry(options["enterprises"])
        policies = self._policies_from(options.get("policies"), as_of)
        engine = BitsetEngine()
        size = max(1, -(-len(policies) // CHUNKS))
        frames = []
        with tqdm(total=len(policies), unit="policy", desc="matching", file=sys.stderr,
                  disable=None) as bar:
            for start in range(0, len(policies), size):
                chunk = policies[start:start + size]
                result = engine.match(registry, compile_policies(chunk), as_of=as_of)
                frames.append(result.with_uscc(registry).with_columns(
                    pl.col("policy_id").cast(pl.String)))
                bar.update(len(chunk))
        schema = {"row": pl.UInt32, "uscc": pl.String, "policy_id": pl.String,
                  "benefit_wan": pl.Float64}
        pairs = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
        pairs.write_parquet(out, compression="lz4")
        seconds = time.perf_counter() - t0
        self.stdout.write(
            f"{pairs.height:,} pairs: {registry.height:,} enterprises × {len(policies):,} "
            f"policies in force on {as_of.isoformat()} → {out} ({seconds:.2f} s)\n"
            f"{pairs.height:,} 个匹配：{registry.height:,} 家企业 × {len(policies):,} 项政策 → {out}")

    # -- explain ---------------------------------------------------------------------------

    def _policy(self, ref: str):
        path = Path(ref)
        if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
            try:
                return policy_parse(_read(ref), source=ref)
            except PolicyValidationError as e:
                _fail("\n".join(_problem_lines(ref, e.problems)))
        from cityops.policy import selectors
        from cityops.policy.models import Policy

        row = Policy.objects.filter(Q(doc_number=ref) | Q(key=ref)).first()
        if row is None:
            _fail(f"--policy: no policy {ref!r} in the library (give its 文号, its id or a "
                  f"YAML file) / --policy：政策库中没有 {ref!r}")
        return selectors.rule_policy(row)

    def _profile(self, uscc: str, registry_file: str | None) -> dict:
        if registry_file:
            frame = self._registry(registry_file).filter(pl.col("uscc") == uscc)
            if frame.height == 0:
                _fail(f"--uscc: no enterprise {uscc} in {registry_file} / --uscc："
                      f"{registry_file} 中没有统一社会信用代码为 {uscc} 的企业")
            return frame.row(0, named=True)
        from cityops.policy import selectors
        from cityops.policy.models import Enterprise

        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        if enterprise is None:
            _fail(f"--uscc: no enterprise {uscc} in the registry / --uscc：企业库中没有统一"
                  f"社会信用代码为 {uscc} 的企业")
        return selectors.enterprise_profile(enterprise)

    def explain_one(self, options) -> None:
        as_of = _date(options.get("as_of"), "--as-of")
        policy = self._policy(options["policy"])
        profile = self._profile(options["uscc"], options.get("enterprises"))
        self.stdout.write(explain_text(policy, profile, as_of, options["lang"]))
