/// Facts of this build that both programs state: one home for each.
public enum Build {
    /// What `prospectd version` and `prospect --version` print.
    public static let version = "0.1.0"
    /// Where a local daemon listens unless told otherwise.
    public static let defaultSocket = "/run/prospectd/prospectd.sock"
}
