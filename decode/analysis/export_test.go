package analysis

// SetTestHook has c call f with "lead" before it analyses a file and with
// "wait" before it waits for another caller's analysis.
func SetTestHook(c *Cache, f func(event string)) { c.testHook = f }
