package dev.rlhf4j.ppo;

import dev.rlhf4j.core.testing.JsonFixture;

/** The golden values of tools/make_ppo_fixtures.py; every test matches them within {@link #TOL}. */
final class PpoFixture {

    static final double TOL = 1e-5;
    static final JsonFixture FIXTURE = JsonFixture.load("/fixtures/ppo_numerics.json");

    private PpoFixture() {}
}
