/// Budgets for one piece of work: a task-local factor that every request started inside
/// `JiraClient.withBudgets(multipliedBy:)` multiplies its budget by. Operator actions use it to
/// give a re-fetch more time while sharing the client's slots, back-off gate and outage state.
enum BudgetScope {
    @TaskLocal static var factor: Double = 1
}

extension JiraClient {
    /// Runs `body` with every request's budget multiplied by `factor` (≥ 1; requests still take
    /// the client's request slots and wait out its back-offs and outages).
    public func withBudgets<T: Sendable>(
        multipliedBy factor: Double, _ body: () async throws(JiraError) -> T
    ) async throws(JiraError) -> T {
        let scaled = max(1, factor.isFinite ? factor : 1) * BudgetScope.factor
        let result: Result<T, JiraError> = await BudgetScope.$factor.withValue(scaled) {
            do throws(JiraError) { return .success(try await body()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
