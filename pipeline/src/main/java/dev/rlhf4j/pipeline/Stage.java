package dev.rlhf4j.pipeline;

/** The pipeline's stages, in order; each has a config section and a directory of the same name. */
public enum Stage {
    DATA("data"),
    SFT("sft"),
    REWARD_MODEL("reward_model"),
    DPO("dpo"),
    PPO("ppo"),
    EVAL("eval");

    private final String key;

    Stage(String key) {
        this.key = key;
    }

    /** The config section and run sub-directory. */
    public String key() {
        return key;
    }

    /** The stage named {@code s} (its key or name, any case); {@code option} names it in the error. */
    public static Stage parse(String option, String s) {
        for (Stage st : values()) {
            if (st.key.equalsIgnoreCase(s) || st.name().equalsIgnoreCase(s)) {
                return st;
            }
        }
        throw new IllegalArgumentException(option + " must be one of data, sft, reward_model, dpo, ppo, eval, but is: "
                + s);
    }
}
