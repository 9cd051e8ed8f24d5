"""SQL expressions the ORM does not name, shared by the apps."""

from django.db.models import BooleanField, Func


class EqualsAny(Func):
    """`value = ANY(array)`: true when `value` is an element of `array`.

    The array may be a parameter (one placeholder for any number of ids: a statement compiled
    once stays valid for every page), an array column (a tweet's mentions) or
    `ArraySubquery(...)` (the subquery then runs once, as an InitPlan).
    """

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()
