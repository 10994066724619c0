// Tests never read the developer's own ccr home or keys.
process.env.CCR_HOME = '/nonexistent/ccr-test-home'
delete process.env.ANTHROPIC_API_KEY
