"""``cityops portfolio <subcommand>``: projects and operation models from the command line.

- ``advise FILE``: rank the seven operation models for a project's characteristics (a JSON
  object; ``-`` reads standard input) and print the advice as JSON. Bad input exits with code 2
  and a message naming the field in English and Chinese.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cityops.portfolio.domain.advisor import AdvisorInputError, Characteristics, advise

EXIT_BAD_INPUT = 2


def _names(file: str) -> tuple[str, str]:
    return ("standard input", "标准输入") if file == "-" else (file, file)


class Command(BaseCommand):
    help = "Projects and operation models: 'advise FILE' ranks the operation models."
    stealth_options = ("stdin",)  # call_command(..., stdin=io.StringIO(...)) for '-'

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        advise_parser = sub.add_parser(
            "advise",
            help="rank the operation models for a project's characteristics",
            description=(
                "Rank the seven operation models (purchase, ppp, epc, platform, joint, dbb, "
                "self_built) for the characteristics in FILE, a JSON object with the fields "
                "of cityops.portfolio.domain.advisor.Characteristics. Prints JSON."
            ),
        )
        advise_parser.add_argument("file", metavar="FILE", help="JSON file, or - for stdin")

    def handle(self, *args, subcommand, **options):
        if subcommand == "advise":
            return self.advise(options["file"], options.get("stdin"))
        raise CommandError(f"unknown subcommand {subcommand!r}", returncode=EXIT_BAD_INPUT)

    def advise(self, file: str, stdin=None) -> None:
        data = self.read_json(file, stdin)
        name_en, name_zh = _names(file)
        try:
            characteristics = Characteristics.from_dict(data)
        except AdvisorInputError as e:
            raise CommandError(
                f"advise: {name_en}: field '{e.field}' {e.message_en} / "
                f"{name_zh}：字段“{e.field}”{e.message_zh}",
                returncode=EXIT_BAD_INPUT,
            ) from e
        advice = advise(characteristics)
        self.stdout.write(json.dumps(advice.to_dict(), ensure_ascii=False, indent=2))

    def read_json(self, file: str, stdin=None):
        name, name_zh = _names(file)
        try:
            if file == "-":
                text = (stdin or sys.stdin).read()
            else:
                with open(file, encoding="utf-8-sig") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            raise CommandError(
                f"advise: cannot read {name}: {reason} / 无法读取 {name_zh}",
                returncode=EXIT_BAD_INPUT,
            ) from e
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise CommandError(
                f"advise: {name} is not valid JSON (line {e.lineno}, column {e.colno}: "
                f"{e.msg}) / {name_zh} 不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列）",
                returncode=EXIT_BAD_INPUT,
            ) from e
