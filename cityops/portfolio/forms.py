from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation

from . import choices
from .models import Project


class ProjectForm(forms.ModelForm):
    operation_objects = forms.MultipleChoiceField(
        label=_("operation objects"), choices=choices.OperationObject.choices,
        widget=forms.CheckboxSelectMultiple)
    other_income = forms.MultipleChoiceField(
        label=_("other income"), choices=choices.OtherIncome.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Project
        # Every field a person enters; compliance_outcome is computed.
        fields = [f.name for f in Project._meta.concrete_fields
                  if f.editable and f.name not in {"id", "compliance_outcome"}]
        widgets = {
            "approval_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["operation_objects"] = self.instance.operation_object_list
            self.initial["other_income"] = self.instance.other_income_list
        departments = Organisation.objects.departments().filter(is_active=True)
        if user is not None and user.role == "department_officer":
            departments = departments.filter(pk=user.organisation_id)
        self.fields["department"].queryset = departments

    def clean_operation_objects(self):
        return ",".join(sorted(self.cleaned_data["operation_objects"]))

    def clean_other_income(self):
        return ",".join(sorted(self.cleaned_data["other_income"]))


class ProjectFilterForm(forms.Form):
    department = forms.ModelChoiceField(label=_("department"), required=False,
                                        queryset=Organisation.objects.departments())
    operation_model = forms.ChoiceField(
        label=_("operation model"), required=False,
        choices=[("", _("All models"))] + list(choices.OperationModel.choices))
    operation_object = forms.ChoiceField(
        label=_("operation object"), required=False,
        choices=[("", _("All objects"))] + list(choices.OperationObject.choices))
    phase = forms.ChoiceField(label=_("phase"), required=False,
                              choices=[("", _("All phases"))] + list(choices.Phase.choices))
    return_mechanism = forms.ChoiceField(
        label=_("return mechanism"), required=False,
        choices=[("", _("All"))] + list(choices.ReturnMechanism.choices))
    compliance = forms.ChoiceField(label=_("compliance"), required=False,
                                   choices=[("", _("All"))] + list(choices.Outcome.choices))
    q = forms.CharField(label=_("search"), required=False, max_length=100)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel .xlsx file."))
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class BudgetAssumptionForm(forms.Form):
    base_year = forms.IntegerField(label=_("base year"), min_value=2000, max_value=2100)
    base_expenditure_wan = forms.DecimalField(
        label=_("base-year general public budget expenditure (10k yuan)"), min_value=0.01,
        max_digits=16, decimal_places=2)
    growth_rate = forms.DecimalField(label=_("yearly growth rate"), min_value=-0.5,
                                     max_value=1, max_digits=5, decimal_places=4)
    other_ppp_share = forms.DecimalField(
        label=_("other PPP liabilities as a share of the budget"), min_value=0, max_value=1,
        max_digits=5, decimal_places=4, required=False,
        help_text=_("PPP projects of the city outside this portfolio (from the PPP ledger)."))


class BudgetYearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    expenditure_wan = forms.DecimalField(
        label=_("general public budget expenditure (10k yuan)"), min_value=0.01,
        max_digits=16, decimal_places=2)
    other_ppp_liabilities_wan = forms.DecimalField(
        label=_("other PPP liabilities (10k yuan)"), min_value=0, max_digits=16,
        decimal_places=2, required=False)
