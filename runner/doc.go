// Package runner runs the specification in features/ against a target with
// godog and turns the outcome into reports: the feature × level matrix, the
// failures as Requirement / Expected / Actual, JSON, JUnit and Markdown. It
// serves both the root test (go test ./...) and the mcpauthspec command.
package runner
