from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import regions
from .models import Organisation
from .roles import OrganisationKind


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["kind", "name", "short_name", "uscc", "region_code", "industry_code", "is_active"]
        widgets = {
            "uscc": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                           "class": "mono", "maxlength": 18}),
            "region_code": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 6}),
        }

    def clean_uscc(self):
        # People paste codes with spaces or in lower case; the code itself is upper case.
        return self.cleaned_data["uscc"].strip().upper()


class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), required=False,
        choices=[("", _("All kinds"))] + list(OrganisationKind.choices),
    )
    region = forms.CharField(label=_("region code"), required=False, max_length=6)
    q = forms.CharField(label=_("search"), required=False, max_length=100)

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        if code and not regions.is_region(code):
            raise forms.ValidationError(_("Unknown region code."))
        return code


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("actor"), required=False, max_length=150)
    action = forms.CharField(label=_("action"), required=False, max_length=40)
    object_type = forms.CharField(label=_("object type"), required=False, max_length=80)
    object_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    since = forms.DateField(label=_("from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("to"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("search"), required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def form_errors(form: forms.Form) -> ValidationError:
    """A bound, invalid form's errors as one ValidationError keyed by field, so that views
    report form and service errors the same way."""
    return ValidationError({field: [e["message"] for e in errors]
                            for field, errors in form.errors.get_json_data().items()})


def add_errors(form: forms.Form, exc: ValidationError | PermissionDenied,
               rename: dict[str, str] | None = None) -> None:
    """A service's refusal shown on the form: each message on its field when the form has it
    (``rename`` maps a service's field name to the form's), else at the top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this."))
        return
    details = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, errors in details.items():
        name = (rename or {}).get(field, field)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
