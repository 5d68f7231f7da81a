"""The ``cityops`` console script: the operator's entry point.

``cityops <command> [...]`` runs the Django management command of that name, so every module
adds its commands (``cityops portfolio advise FILE`` …) by shipping a management command.
"""

import os
import sys

OPERATOR_COMMANDS = """\
CityOps operator commands:
  cityops demo load [--seed N]        load (or top up) the demo city; idempotent
  cityops demo logins                 print the demo logins of each role
  cityops audit verify                check the audit hash chain, name the first broken entry
  cityops audit head                  print the chain head (sequence and hash) for anchoring
  cityops createadmin                 create a platform admin (data bureau)
  cityops worker                      run the background job worker
  cityops migrate | runserver | ...   any Django management command
  cityops help                        list every command
"""


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(OPERATOR_COMMANDS)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cityops", *args])


if __name__ == "__main__":
    main()
