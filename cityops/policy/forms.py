import re
from pathlib import Path

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation

from .models import Level, PolicyStatus

IMPORT_TYPES = (".csv", ".xlsx", ".xlsm", ".parquet")


class PolicyFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("title or 文号")}))
    level = forms.ChoiceField(label=_("level"), required=False,
                              choices=[("", _("All levels"))] + list(Level.choices))
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All"))] + list(PolicyStatus.choices))
    department = forms.ModelChoiceField(label=_("department"), required=False,
                                        queryset=Organisation.objects.departments())
    benefit = forms.ChoiceField(label=_("benefit"), required=False)
    free = forms.BooleanField(label=_("免申即享 only"), required=False)

    def __init__(self, *args, benefit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = [("", _("All benefits"))] + list(benefit_choices)


class PolicyForm(forms.Form):
    source = forms.CharField(
        label=_("rules (YAML)"), strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "mono", "wrap": "off",
                                     "data-testid": "policy-source"}))
    issuer = forms.ModelChoiceField(label=_("responsible department"), required=False,
                                    queryset=Organisation.objects.departments()
                                    .filter(is_active=True))
    issuing_authority = forms.CharField(label=_("issuing authority"), required=False,
                                        max_length=100)
    requires_implementation = forms.BooleanField(
        label=_("requires implementing rules (cities 30 days, counties 60 days)"),
        required=False)
    override_reason = forms.CharField(
        label=_("reason for overriding the conflict review"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or user.role != "platform_admin":
            # a department keeps its own policies: the department is not chosen
            del self.fields["issuer"]

    def clean_source(self):
        source = self.cleaned_data["source"].replace("\r\n", "\n")
        if len(source) > 100_000:
            raise forms.ValidationError(_("The rule text is too long (at most 100,000 "
                                          "characters)."))
        return source


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[
        (PolicyStatus.IN_FORCE, _("Put in force")), (PolicyStatus.EXPIRED, _("Expire")),
        (PolicyStatus.REPEALED, _("Repeal"))])
    override_reason = forms.CharField(label=_("reason for overriding the conflict review"),
                                      required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RegistryImportForm(forms.Form):
    file = forms.FileField(label=_("registry file (CSV, Excel or Parquet)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if Path(f.name).suffix.lower() not in IMPORT_TYPES:
            raise forms.ValidationError(
                _("“%(name)s” is not a CSV, Excel (.xlsx) or Parquet file.") % {"name": f.name})
        return f


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("name or code")}))
    region = forms.ChoiceField(label=_("region"), required=False)
    industry = forms.CharField(label=_("industry code starts with"), required=False,
                               max_length=4)

    def __init__(self, *args, region_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + list(region_choices)


# -- the condition builder ---------------------------------------------------------------------

LIST_OPS = ("in", "not_in", "prefix_in")
NO_VALUE_OPS = ("is_true", "is_false", "known", "unknown")
_SPLIT = re.compile(r"[,，、;；\s]+")


def _typed(attr, text: str):
    """A value typed in the builder as YAML would read it (numbers as numbers)."""
    text = text.strip()
    if attr is not None and attr.type in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            return text  # the engine names the row and the problem
        return int(number) if number.is_integer() else number
    if attr is not None and attr.type == "bool":
        return {"true": True, "false": False, "是": True, "否": False}.get(text.lower(), text)
    return text


def builder_condition(attr_name: str, op: str, value: str) -> dict:
    """One builder row as a condition mapping of the rule language."""
    from .engine import attributes as A

    attr = A.attribute(attr_name)
    condition: dict = {"attr": attr_name, "op": op}
    if op in NO_VALUE_OPS:
        return condition
    if op == "between" or op in LIST_OPS:
        items = [_typed(attr, v) for v in _SPLIT.split(value or "") if v.strip()]
        condition["value"] = items
    else:
        condition["value"] = _typed(attr, value or "")
    return condition


_CHECK_HEAD = """\
doc_number: builder
title: builder
issuer: builder
level: city
effective_from: 2025-01-01
benefits: [{kind: other}]
eligibility:
  all:
"""
_ROW = re.compile(r"^eligibility\.all\[(\d+)\](?:\.any\[(\d+)\])?")


def builder_yaml(rows: list[tuple[str, str, str]], combinator: str = "all"
                 ) -> tuple[str, dict[int, list[str]], list[str]]:
    """The YAML of the builder's rows (to paste under ``eligibility: all:``), the problems
    of each row (by row index) and problems not tied to a row. Validated by the language
    itself, so the builder never produces a condition the editor would refuse."""
    from .engine.language import policy_problems
    from .selectors import lang

    items = [yaml.safe_dump(builder_condition(*row), default_flow_style=True,
                            allow_unicode=True, width=1000).strip() for row in rows]
    if combinator == "any" and len(items) > 1:
        snippet = "    - any:\n" + "".join(f"        - {item}\n" for item in items)
    else:
        snippet = "".join(f"    - {item}\n" for item in items)
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    if not items:
        return "", errors, general
    lg = lang()
    for problem in policy_problems(_CHECK_HEAD + snippet):
        match = _ROW.match(problem.field)
        message = problem.zh if lg == "zh" else problem.en
        if match is None:
            general.append(message)
            continue
        index = int(match.group(2) if match.group(2) is not None else match.group(1))
        errors.setdefault(index, []).append(message)
    return snippet, errors, general
