from django import forms

from associations.forms import AssociationFormMixin

from .models import FinancialRule


class FinancialRuleForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = FinancialRule
        fields = ["kind", "value", "category", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
