package com.synapbackfill.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** A run's credit cap counts exact amounts: a tiny price never rounds to nothing, and no price caps documents. */
class CreditPriceTest {
    @Test
    void aPriceOfATenThousandthUnderACapOfFiftyAllowsExactlyFiveHundredThousandDocuments() {
        CreditPrice p = CreditPrice.of(0.0001);
        assertThat(p.perDocument()).isEqualByComparingTo("0.0001");
        assertThat(p.documentsUnder(50)).isEqualTo(500_000);
        assertThat(p.of(500_000)).isEqualByComparingTo("50");
        assertThat(p.of(500_001)).isGreaterThan(BigDecimal.valueOf(50));
        assertThat(p.of(1)).as("never rounded to nothing").isPositive();
        assertThat(p.describeCap(50)).isEqualTo("--max-credits 50 allows 500,000 documents at Synap's 0.0001 credits a document");
    }

    @Test
    void aPriceFromSynapsFloatEstimateIsTheDecimalItMeant() {
        // 3 × 0.1 in binary floating point is 0.30000000000000004, as a Python Synap would answer it
        assertThat(3 * 0.1).isNotEqualTo(0.3);
        CreditPrice p = CreditPrice.fromEstimate(3 * 0.1, 3);
        assertThat(p.perDocument()).isEqualByComparingTo("0.1");
        assertThat(p.documentsUnder(1)).isEqualTo(10);
        assertThat(CreditPrice.of(p.asDouble())).as("the run's snapshot keeps it exactly").isEqualTo(p);
        assertThat(CreditPrice.fromEstimate(0.1, 250).perDocument()).isEqualByComparingTo("0.0004");
        assertThat(CreditPrice.fromEstimate(100.0, 300).perDocument()).as("twelve significant digits").isEqualByComparingTo("0.333333333333");
        assertThat(CreditPrice.fromEstimate(100.0, 300).documentsUnder(100)).isEqualTo(300);
    }

    @Test
    void noZeroOrNegativePriceCapsByDocumentsAndSaysSo() {
        for (Double none : new Double[] {null, 0.0, -1.0, Double.NaN}) {
            CreditPrice p = CreditPrice.of(none);
            assertThat(p.byDocuments()).as(String.valueOf(none)).isTrue();
            assertThat(p.documentsUnder(50)).isEqualTo(50);
            assertThat(p.of(7)).isEqualByComparingTo("7");
        }
        assertThat(CreditPrice.fromEstimate(0.0, 250).byDocuments()).isTrue();
        assertThat(CreditPrice.fromEstimate(null, 250).byDocuments()).isTrue();
        assertThat(CreditPrice.BY_DOCUMENTS.describeCap(50))
                .isEqualTo("Synap gave no price for these documents: --max-credits 50 caps the run at 50 documents");
        assertThat(CreditPrice.BY_DOCUMENTS.describe(BigDecimal.valueOf(1_200))).isEqualTo("1,200 documents");
    }

    @Test
    void aPriceBelowATrillionthCountsAsOneSoTheCapStillHolds() {
        CreditPrice p = CreditPrice.of(1e-20);
        assertThat(p.perDocument()).isEqualByComparingTo("0.000000000001");
        assertThat(p.documentsUnder(1)).isEqualTo(1_000_000_000_000L);
    }
}
