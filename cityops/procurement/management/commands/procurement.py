"""``cityops procurement <subcommand>``.

- ``export-ocds --out FILE``: one OCDS 1.1.5 release package of every contracting process,
  validated offline against the official schemas; exits 1 if validation fails.
- ``remind``: send today's contract expiry and renewal reminders.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = "Procurement: 'export-ocds --out FILE' writes the OCDS package; 'remind' sends " \
           "contract reminders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        export = sub.add_parser("export-ocds", help="write one OCDS release package")
        export.add_argument("--out", required=True, metavar="FILE")
        export.add_argument("--no-validate", action="store_true")
        sub.add_parser("remind", help="send contract expiry and renewal reminders")

    def handle(self, *args, subcommand, **options):
        if subcommand == "export-ocds":
            return self.export(Path(options["out"]), not options["no_validate"])
        if subcommand == "remind":
            from cityops.procurement.services import contract_reminders

            self.stdout.write(f"{contract_reminders()} reminders sent")
            return None
        raise CommandError(f"unknown subcommand {subcommand!r}", returncode=2)

    def export(self, path: Path, validate: bool) -> None:
        from cityops.procurement import ocds_export

        if path.is_dir():
            raise CommandError(f"--out: {path} is a directory / --out：{path} 是目录",
                               returncode=2)
        bar = tqdm(total=0, unit="process", disable=None, file=self.stderr._out)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        result = ocds_export.export(path, progress=progress, validate=validate)
        bar.close()
        if result["errors"]:
            for error in result["errors"]:
                self.stderr.write(error)
            raise CommandError("the package does not validate against OCDS 1.1.5 / "
                               "数据包未通过 OCDS 1.1.5 校验", returncode=1)
        self.stdout.write(f"{result['processes']} processes, {result['releases']} releases "
                          f"→ {path} (OCDS 1.1.5, valid)")
