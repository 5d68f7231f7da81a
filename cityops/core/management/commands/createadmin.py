import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cityops.core import services
from cityops.core.models import Organisation, User
from cityops.core.roles import Role


class Command(BaseCommand):
    help = "Create a platform admin (data bureau). Password from --password, $CITYOPS_ADMIN_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--organisation", required=True,
                            help="the data bureau's unified social credit code or exact name")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args, username, organisation, full_name, password, **options):
        org = Organisation.objects.filter(uscc=organisation.upper()).first() or (
            Organisation.objects.filter(name=organisation).first()
        )
        if org is None:
            raise CommandError(
                f"organisation: no organisation with code or name '{organisation}'. "
                f"organisation（组织）：找不到代码或名称为“{organisation}”的组织。"
            )
        if User.objects.filter(username=username).exists():
            raise CommandError(f"username: '{username}' already exists. username（用户名）：“{username}”已存在。")
        password = password or os.environ.get("CITYOPS_ADMIN_PASSWORD")
        if password is None:
            password = getpass.getpass("Password / 密码: ")
        try:
            user = services.user_create(by=None, username=username, password=password,
                                        role=Role.PLATFORM_ADMIN, organisation=org,
                                        full_name=full_name)
        except ValidationError as exc:
            messages = "; ".join(
                f"{field}: {' '.join(errs)}" for field, errs in getattr(exc, "message_dict", {"password": exc.messages}).items()
            )
            raise CommandError(messages) from None
        self.stdout.write(self.style.SUCCESS(f"platform admin '{user.username}' created for {org.name}"))
