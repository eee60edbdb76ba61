import Foundation

extension EventType {
    /// An organiser sent a call-out for an action.
    public static let calloutCreated = "callout.created"
    /// A webhook subscription was disabled (410 Gone, or failing for too long).
    public static let webhookDisabled = "webhook.disabled"
    /// `picketline webhook test`: delivered only to the subscription it was made for, never fanned out.
    public static let webhookTest = "webhook.test"
}
