/// The version printed by `--version`, in calendar PRODIDs and in webhook user agents.
public enum PicketlineVersion {
    public static let current = "0.1.0"
}
