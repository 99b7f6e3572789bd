"""Commands of this feature are being added; the registry imports SPECS from here."""

SPECS = ()
