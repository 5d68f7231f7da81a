from django import forms
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
