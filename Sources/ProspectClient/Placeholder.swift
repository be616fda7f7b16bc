enum _ProspectClientPlaceholder {}
