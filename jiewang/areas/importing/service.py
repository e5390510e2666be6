def area_import(**kw): pass
