from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cityops.demo.load import MODULES, demo_load, demo_logins


class Command(BaseCommand):
    help = (
        "Demo city: 'load' creates what is missing (idempotent); 'logins' prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load", "logins"])
        parser.add_argument(
            "--seed", type=int, default=None, help="generator seed (default: fixed)"
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--modules", default=",".join(MODULES),
            help=f"comma-separated modules whose demo data to add after the organisations "
                 f"and users (default: all: {','.join(MODULES)}; empty: none)")

    def handle(self, *args, action, seed=None, no_progress=False, modules=None, **options):
        if action == "load":
            chosen = tuple(m for m in (modules if modules is not None
                                       else ",".join(MODULES)).split(",") if m)
            unknown = sorted(set(chosen) - set(MODULES))
            if unknown:
                raise CommandError(f"--modules: unknown {', '.join(unknown)} (known: "
                                   f"{', '.join(MODULES)}) / 未知模块", returncode=2)
            with tqdm(
                unit="row", desc="demo city", disable=no_progress or None, file=self.stderr._out
            ) as bar:

                def progress(done, total):
                    bar.total = total
                    bar.update(done - bar.n)

                report = demo_load(seed=seed, progress=progress, modules=chosen)
            self.stdout.write(
                f"{report.city.city_name}: {report.organisations_created} organisations and "
                f"{report.users_created} users and {report.projects_created} projects created "
                f"({len(report.city.organisations)} and {len(report.city.users)} in the demo city)."
            )
        self.print_logins()

    def print_logins(self):
        rows = demo_logins()
        if not rows:
            self.stdout.write("No demo logins: run 'cityops demo load' first.")
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {rows[0]['password']}):")
        for row in rows:
            self.stdout.write(f"  {row['username']:<11} {row['role']:<28} {row['organisation']}")
        self.stdout.write("")
