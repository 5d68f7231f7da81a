from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cityops.core import services
from cityops.core.models import AuditEntry, AuditHead


class Command(BaseCommand):
    help = "Audit trail: 'verify' checks the hash chain; 'head' prints the chain head."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, action, no_progress=False, **options):
        if action == "head":
            head = AuditHead.objects.filter(pk=1).first()
            self.stdout.write(f"{head.seq if head else 0} {head.hash if head else '0' * 64}")
            return
        total = AuditEntry.objects.count()
        with tqdm(total=total, unit="entry", disable=no_progress or None, file=self.stderr._out,
                  desc="verify") as bar:
            report = services.audit_verify(progress=lambda n: bar.update(n - bar.n))
        if not report.ok:
            brk = report.first_break
            raise CommandError(
                f"audit chain BROKEN at entry #{brk.seq} ({brk.reason}): {brk.detail}. "
                f"审计链在第 {brk.seq} 条处断开。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain OK: {report.checked} entries, head #{report.head_seq}. "
                f"审计链完整：共 {report.checked} 条。"
            )
        )
